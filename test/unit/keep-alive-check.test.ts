/**
 * The keep-alive monitor's decisions (orchestrator/core/supervision/group-check.ts) in virtual
 * time: facts and a time in, the actions out. No process, store or timer: "time" is the `now`
 * each check is given, so a threshold is asserted to the millisecond.
 */
import { expect } from 'chai';
import { checkGroups, hungIntervalMs, type CheckFacts, type GroupFacts } from '../../orchestrator/core/supervision/group-check.js';
import { CRASH_LOOP_MS, HUNG_INTERVALS, START_GRACE_MS, STORE_STALL_GRACE_MS } from '../../orchestrator/core/supervision/health.js';
import { HEALTHY_RESET_MS, RESTART_DELAYS_MS } from '../../orchestrator/core/supervision/restart-policy.js';
import type { GroupState } from '../../state/schema.js';

const T0 = 1_000_000;
const INTERVAL = 500;
const LIMIT = HUNG_INTERVALS * INTERVAL;

function group(quad: number, record: Partial<GroupState> | undefined, more: Partial<GroupFacts> = {}): GroupFacts {
  return { quad, record: record && { quad, status: 'running', restarts: 0, pid: 100 + quad, startedAt: T0 - 60_000, ...record }, alive: true, inHand: false, ...more };
}

function facts(now: number, groups: GroupFacts[], more: Partial<CheckFacts> = {}): CheckFacts {
  return { now, runStatus: 'running', groups, launch: true, intervalMs: INTERVAL, lastCommitAt: now, restartsInHand: false, ...more };
}

describe('keep-alive check: which group is dead or hung (pure, virtual time)', () => {
  it('a live group with a fresh heartbeat is healthy, and its heartbeat remembered', () => {
    expect(checkGroups(facts(T0, [group(1, { heartbeatAt: T0 - 100 })]))).to.deep.equal([{ kind: 'seen-healthy', quad: 1, at: T0 - 100 }]);
  });

  it('a live group is hung exactly when its heartbeat is older than three intervals while others write the state', () => {
    const beat = T0;
    const at = (now: number) => checkGroups(facts(now, [group(1, { heartbeatAt: beat })], { lastCommitAt: now }));
    expect(at(beat + LIMIT)).to.deep.equal([{ kind: 'seen-healthy', quad: 1, at: beat }]);
    const hung = at(beat + LIMIT + 1);
    expect(hung[0]).to.include({ kind: 'fail', quad: 1, health: 'hung', pid: 101 });
    expect(hung[0]).to.have.property('what').that.matches(/^hung \(no heartbeat for 1\.5s; killed\)$/);
    expect(hung[1]).to.deep.equal({ kind: 'restart', quad: 1, attempt: 1, delayMs: RESTART_DELAYS_MS[0] });
  });

  it('while nobody can write the state a late heartbeat waits the stall grace, then is hung', () => {
    const beat = T0;
    const silent = (now: number) => checkGroups(facts(now, [group(1, { heartbeatAt: beat })], { lastCommitAt: beat }));
    expect(silent(beat + LIMIT + 1)).to.deep.equal([]);
    expect(silent(beat + LIMIT + STORE_STALL_GRACE_MS)).to.deep.equal([]);
    expect(silent(beat + LIMIT + STORE_STALL_GRACE_MS + 1)[0]).to.include({ kind: 'fail', health: 'hung' });
  });

  it('judges heartbeats by the plan interval, not a faster --interval of the monitor', () => {
    expect(hungIntervalMs(200, 2000)).to.equal(2000);
    expect(hungIntervalMs(3000, 2000)).to.equal(3000);
  });

  it('a fresh process has the start grace for its first heartbeat', () => {
    const started = T0;
    const at = (now: number) => checkGroups(facts(now, [group(1, { heartbeatAt: started - 5000 }, { startedAt: started })]));
    expect(at(started + START_GRACE_MS - 1)).to.deep.equal([]);
    expect(at(started + START_GRACE_MS)[0]).to.include({ kind: 'fail', health: 'hung' });
  });

  it('a dead group is crashed, or crash-looping soon after a restart; the supervisor\'s pid wins over the record\'s', () => {
    const dead = checkGroups(facts(T0, [group(1, { heartbeatAt: T0 - 100 }, { alive: false, pid: 7 })]));
    expect(dead[0]).to.include({ kind: 'fail', health: 'crashed', pid: 7, what: 'died' });
    const looping = checkGroups(facts(T0, [group(1, { heartbeatAt: T0 - 100, lastRestartAt: T0 - CRASH_LOOP_MS + 1, restarts: 2 }, { alive: false })]));
    expect(looping[0]).to.include({ kind: 'fail', health: 'crash-looping', pid: 101 });
    expect(looping[1]).to.deep.equal({ kind: 'restart', quad: 1, attempt: 3, delayMs: RESTART_DELAYS_MS[2] });
  });

  it('a group that exited because the run is over is left alone', () => {
    expect(checkGroups(facts(T0, [group(1, { status: 'finished' }, { alive: false }), group(2, { heartbeatAt: T0 })]))).to.deep.equal([{ kind: 'seen-healthy', quad: 2, at: T0 }]);
  });
});

describe('keep-alive check: restart or give up, and after how long (pure)', () => {
  it('the sixth failure gives the group up: one fail action, no second record', () => {
    const acts = checkGroups(facts(T0, [group(1, { heartbeatAt: T0 - 100, restarts: 5, lastRestartAt: T0 - 20_000 }, { alive: false })]));
    expect(acts).to.have.length(1);
    expect(acts[0]).to.deep.include({ kind: 'fail', restart: { action: 'give-up', restarts: 5 } });
  });

  it('a minute of health since the last restart forgets the count', () => {
    const g = group(1, { heartbeatAt: T0 - 100, restarts: 5, lastRestartAt: T0 - HEALTHY_RESET_MS - 1000 }, { alive: false, lastHealthyAt: T0 - 1000 });
    expect(checkGroups(facts(T0, [g]))[1]).to.deep.equal({ kind: 'restart', quad: 1, attempt: 1, delayMs: RESTART_DELAYS_MS[0] });
  });

  it('a group an earlier monitor recorded dead keeps the rest of its schedule', () => {
    const rec = { status: 'dead' as const, restarts: 1, lastRestartAt: T0 - 30_000, heartbeatAt: T0 - 3000, restartAt: T0 + 700 };
    expect(checkGroups(facts(T0, [group(1, rec, { alive: false })]))).to.deep.equal([{ kind: 'restart', quad: 1, attempt: 2, delayMs: 700 }]);
    // Overdue: at once. Recorded further out than the policy's delay: never longer than the delay.
    expect(checkGroups(facts(T0 + 5000, [group(1, rec, { alive: false })]))).to.deep.equal([{ kind: 'restart', quad: 1, attempt: 2, delayMs: 0 }]);
    expect(checkGroups(facts(T0, [group(1, { ...rec, restartAt: T0 + 60_000 }, { alive: false })]))).to.deep.equal([{ kind: 'restart', quad: 1, attempt: 2, delayMs: RESTART_DELAYS_MS[1] }]);
  });

  it('a group an earlier monitor recorded hung with its restarts used is given up', () => {
    const rec = { status: 'hung' as const, restarts: 5, lastRestartAt: T0 - 30_000, heartbeatAt: T0 - 3000 };
    expect(checkGroups(facts(T0, [group(1, rec, { alive: false })]))).to.deep.equal([{ kind: 'give-up', quad: 1, pid: 101, restart: { action: 'give-up', restarts: 5 } }]);
  });
});

describe('keep-alive check: launches, groups in hand, the run stalled (pure)', () => {
  it('launches a group that never started, once, and only where the monitor starts groups', () => {
    const never = { status: 'starting' as const, pid: undefined, startedAt: undefined };
    expect(checkGroups(facts(T0, [group(1, never, { alive: false })]))).to.deep.equal([{ kind: 'launch', quad: 1 }]);
    // A tmux pane starts itself: not there, it died. Launched by this monitor and gone: it died.
    const kinds = (f: CheckFacts) => checkGroups(f).map((a) => a.kind);
    expect(kinds(facts(T0, [group(1, never, { alive: false })], { launch: false }))).to.deep.equal(['fail', 'restart']);
    expect(kinds(facts(T0, [group(1, never, { alive: false, startedAt: T0 - 100 })]))).to.deep.equal(['fail', 'restart']);
  });

  it('leaves a group alone while its restart is in hand, and decides nothing once the run is not running', () => {
    expect(checkGroups(facts(T0, [group(1, { heartbeatAt: 0 }, { alive: false, inHand: true })], { restartsInHand: true }))).to.deep.equal([]);
    expect(checkGroups(facts(T0, [group(1, { heartbeatAt: 0 }, { alive: false })], { runStatus: 'interrupted' }))).to.deep.equal([]);
  });

  it('the run is stalled when every group is finished, stopped or given up, unless a restart is in hand', () => {
    const gone = [group(1, { status: 'failed' }, { alive: false }), group(2, { status: 'stopped' }, { alive: false })];
    expect(checkGroups(facts(T0, gone))).to.deep.equal([{ kind: 'run-stalled' }]);
    expect(checkGroups(facts(T0, gone, { restartsInHand: true }))).to.deep.equal([]);
    expect(checkGroups(facts(T0, [gone[0]!, group(2, { heartbeatAt: T0 })]))).to.deep.equal([{ kind: 'seen-healthy', quad: 2, at: T0 }]);
    expect(checkGroups(facts(T0, [gone[0]!, group(2, undefined)]))).to.deep.equal([]);
  });

  it('decides for every group in plan order in one check', () => {
    const acts = checkGroups(facts(T0, [group(1, { heartbeatAt: T0 }), group(2, { heartbeatAt: T0 }, { alive: false }), group(3, { heartbeatAt: T0 - LIMIT - 1 })]));
    expect(acts.map((a) => `${a.kind}:${'quad' in a ? a.quad : ''}`)).to.deep.equal(['seen-healthy:1', 'fail:2', 'restart:2', 'fail:3', 'restart:3']);
  });
});
