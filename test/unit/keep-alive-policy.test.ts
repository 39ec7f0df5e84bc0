import { expect } from 'chai';
import { stringify } from 'yaml';
import { alertsAfter } from '../../orchestrator/alerts/alert-forwarder.js';
import { buildContext } from '../../orchestrator/core/graph/context.js';
import { Draft } from '../../orchestrator/core/run/draft.js';
import { groupFailed, groupRestarting, groupSpawned } from '../../orchestrator/core/run/group-transitions.js';
import { classify, heartbeatEveryMs, HUNG_INTERVALS, STORE_STALL_GRACE_MS, type Observation } from '../../orchestrator/core/supervision/health.js';
import { initialState } from '../../orchestrator/core/run/lifecycle.js';
import { parsePlan } from '../../orchestrator/run-dir/load-plan.js';
import { taskHashes } from '../../orchestrator/core/plan/task-hash.js';
import { claimFor, heartbeat, started } from '../../orchestrator/core/run/transitions.js';
import { applyOps } from '../../state/ops.js';
import type { State } from '../../state/schema.js';
import { decideRestart, HEALTHY_RESET_MS, MAX_RESTARTS } from '../../orchestrator/core/supervision/restart-policy.js';

describe('restart policy (pure)', () => {
  it('restarts with delays 1, 2, 4, 8, 16 s, then gives up', () => {
    const delays: number[] = [];
    let restarts = 0;
    for (;;) {
      const d = decideRestart({ restarts, lastRestartAt: 1000 }, 2000);
      if (d.action === 'give-up') break;
      delays.push(d.delayMs);
      restarts = d.attempt;
    }
    expect(delays).to.deep.equal([1000, 2000, 4000, 8000, 16000]);
    expect(restarts).to.equal(MAX_RESTARTS);
  });

  it('forgets restarts after a minute of health', () => {
    expect(decideRestart({ restarts: 5, lastRestartAt: 0 }, HEALTHY_RESET_MS - 1)).to.deep.equal({ action: 'give-up', restarts: 5 });
    expect(decideRestart({ restarts: 5, lastRestartAt: 0 }, HEALTHY_RESET_MS)).to.deep.equal({ action: 'restart', delayMs: 1000, attempt: 1 });
  });

  it('first failure of a never-restarted group waits 1 s', () => {
    expect(decideRestart({ restarts: 0 }, 0)).to.deep.equal({ action: 'restart', delayMs: 1000, attempt: 1 });
  });
});

describe('group health classification (pure)', () => {
  const base: Observation = { now: 100_000, alive: true, heartbeatAt: 99_500, startedAt: 50_000, exitedFinished: false, runOver: false, intervalMs: 2000 };

  it('healthy with a fresh heartbeat', () => expect(classify(base)).to.equal('healthy'));
  it('hung when alive with a heartbeat older than three intervals', () => {
    expect(classify({ ...base, heartbeatAt: 93_000, stateWrittenAt: 99_900 })).to.equal('hung');
    expect(classify({ ...base, heartbeatAt: 94_500, stateWrittenAt: 99_900 })).to.equal('healthy');
  });
  it('starting while a fresh process has not beaten yet, hung when it never does', () => {
    expect(classify({ ...base, heartbeatAt: 40_000, startedAt: 98_000 })).to.equal('starting');
    expect(classify({ ...base, heartbeatAt: undefined, startedAt: 80_000 })).to.equal('hung');
  });
  it('crashed when dead, crash-looping when dead soon after a restart', () => {
    expect(classify({ ...base, alive: false })).to.equal('crashed');
    expect(classify({ ...base, alive: false, lastRestartAt: 95_000 })).to.equal('crash-looping');
    expect(classify({ ...base, alive: false, lastRestartAt: 10_000 })).to.equal('crashed');
  });
  it('finished, not failed, when it exited because the run is over', () => {
    expect(classify({ ...base, alive: false, exitedFinished: true })).to.equal('finished');
    expect(classify({ ...base, alive: false, runOver: true })).to.equal('finished');
  });
});

describe('group health: late heartbeats and heartbeat period (pure)', () => {
  const base: Observation = { now: 100_000, alive: true, heartbeatAt: 97_000, startedAt: 50_000, exitedFinished: false, runOver: false, intervalMs: 500 };

  it('hung when others kept writing the state while this group did not', () => {
    expect(classify({ ...base, stateWrittenAt: 99_900 })).to.equal('hung');
  });
  it('only stale while nobody could write the state (a dead lock holder), hung after the grace', () => {
    expect(classify({ ...base, stateWrittenAt: 97_200 })).to.equal('stale');
    expect(classify({ ...base, stateWrittenAt: undefined })).to.equal('stale');
    expect(classify({ ...base, heartbeatAt: 100_000 - 1500 - STORE_STALL_GRACE_MS - 1 })).to.equal('hung');
  });
  it('workers beat at least twice per interval, at most every second', () => {
    expect(heartbeatEveryMs(500)).to.equal(250);
    expect(heartbeatEveryMs(2000)).to.equal(1000);
    expect(heartbeatEveryMs(10_000)).to.equal(1000);
    for (const i of [200, 500, 2000, 10_000]) expect(HUNG_INTERVALS * i).to.be.at.least(2 * heartbeatEveryMs(i));
  });
});

describe('keep-alive transitions (pure)', () => {
  function setup() {
    const agents = [{ name: 'A', quad: 1 }, { name: 'B', quad: 2 }];
    const plan = parsePlan(stringify({ version: 1, name: 't', workdir: 'w', agents, tasks: [{ id: 'x', run: 'true' }, { id: 'y', run: 'true' }, { id: 'z', run: 'true', needs: ['x'] }] }), 'mem.yaml');
    const ctx = buildContext(plan);
    let s = initialState(ctx, taskHashes(plan, ctx.graph), 1000);
    s = step(s, 1100, (d) => {
      heartbeat(d, 1, 11, ['A']);
      heartbeat(d, 2, 22, ['B']);
      claimFor(d, ctx, 1, ['A']);
      claimFor(d, ctx, 2, ['B']);
      started(d, 'x', d.task('x')!.fence!, { pgid: 4242, start: 1 });
    }).s;
    return { ctx, s };
  }
  function step<R>(s: State, now: number, fn: (d: Draft) => R): { s: State; r: R; d: Draft } {
    const d = new Draft(s, now);
    const r = fn(d);
    return { s: applyOps(structuredClone(s), d.ops), r, d };
  }
  const restart = { action: 'restart', delayMs: 1000, attempt: 1 } as const;

  it('a dead group: its task is ready at once (attempts kept), its orphan returned, agents dead, alert raised', () => {
    const { ctx, s } = setup();
    expect(s.tasks.x!.status).to.equal('running');
    const { s: after, r } = step(s, 1200, (d) => groupFailed(d, ctx, 1, 'crashed', restart, 11, 'died'));
    expect(r).to.deep.equal([{ pgid: 4242, start: 1 }]);
    expect(after.tasks.x).to.include({ status: 'ready', attempts: 1, lost: 1 });
    expect(after.tasks.y!.status).to.equal('running');
    expect(after.agents.A!.status).to.equal('dead');
    expect(after.groups['1']).to.include({ status: 'dead', restartAt: 1200 + 1000 });
    expect(after.alerts.map((a) => a.kind)).to.deep.equal(['group-crashed']);
    expect(after.meta.status).to.equal('running');
  });

  it('a group given up is failed with a critical alert; the run goes on while another group lives', () => {
    const { ctx, s } = setup();
    const { s: after } = step(s, 1200, (d) => groupFailed(d, ctx, 1, 'crash-looping', { action: 'give-up', restarts: 5 }, 11, 'died again'));
    expect(after.groups['1']).to.include({ status: 'failed', restarts: 5 });
    expect(after.alerts.map((a) => [a.level, a.kind])).to.deep.equal([['warning', 'group-crashed'], ['critical', 'group-given-up']]);
    expect(after.meta.status).to.equal('running');
  });

  it('when the last group is given up the run is interrupted with a critical alert', () => {
    const { ctx, s } = setup();
    let cur = step(s, 1200, (d) => groupFailed(d, ctx, 1, 'crashed', { action: 'give-up', restarts: 5 }, 11, 'died')).s;
    cur = step(cur, 1300, (d) => groupFailed(d, ctx, 2, 'hung', { action: 'give-up', restarts: 5 }, 22, 'hung')).s;
    expect(cur.meta.status).to.equal('interrupted');
    expect(cur.alerts.at(-1)).to.include({ level: 'critical', kind: 'run-stalled' });
  });

  it('a task that keeps killing its worker fails for good instead of taking every group down', () => {
    const { ctx, s } = setup();
    let cur = step(s, 1200, (d) => groupFailed(d, ctx, 1, 'crashed', restart, 11, 'died')).s;
    cur = step(cur, 1300, (d) => {
      heartbeat(d, 2, 22, ['B']);
      d.setAgent({ ...d.agent('B')!, status: 'idle', task: undefined });
      d.setTask({ ...d.task('y')!, status: 'done' });
      claimFor(d, ctx, 2, ['B']);
    }).s;
    expect(cur.tasks.x).to.include({ status: 'running', agent: 'B', attempts: 2 });
    cur = step(cur, 1400, (d) => groupFailed(d, ctx, 2, 'crashed', restart, 22, 'died')).s;
    expect(cur.tasks.x!.status).to.equal('failed');
    expect(cur.tasks.z!.status).to.equal('blocked');
    expect(cur.alerts.map((a) => a.kind)).to.include('task-failed');
  });

  it('restart and spawn are recorded so a restarted monitor continues the count', () => {
    const { s } = setup();
    let cur = step(s, 2000, (d) => groupRestarting(d, 1, 3)).s;
    expect(cur.groups['1']).to.include({ status: 'restarting', restarts: 3, lastRestartAt: 2000 });
    expect(cur.groups['1']!.pid).to.equal(undefined);
    cur = step(cur, 2100, (d) => groupSpawned(d, 1, 77, false)).s;
    expect(cur.groups['1']!.pid).to.equal(77);
    expect(cur.alerts.map((a) => a.kind)).to.deep.equal(['group-restarted']);
  });

  it('forwards the alerts after the last one sent, all of them when it is gone', () => {
    const a = (n: number) => ({ at: n, level: 'info' as const, kind: 'k', message: `m${n}` });
    expect(alertsAfter([a(1), a(2), a(3)], a(2))).to.deep.equal([a(3)]);
    expect(alertsAfter([a(1), a(2), a(3)], a(3))).to.deep.equal([]);
    expect(alertsAfter([a(4), a(5)], a(2))).to.deep.equal([a(4), a(5)]);
    expect(alertsAfter([a(1)], undefined)).to.deep.equal([a(1)]);
  });
});
