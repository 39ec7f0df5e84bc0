/**
 * The dashboard's view model, pure: states and events produced by the real transitions (claim,
 * finish, fail, retry, group restart), then rows, progress, per-quad counts, timeline bars with
 * the critical path, ETA and the `status` text checked against them.
 */
import { expect } from 'chai';
import { stringify } from 'yaml';
import { buildContext, type RunContext } from '../../orchestrator/core/graph/context.js';
import { Draft } from '../../orchestrator/core/run/draft.js';
import { initialState } from '../../orchestrator/core/run/lifecycle.js';
import { parsePlan } from '../../orchestrator/run-dir/load-plan.js';
import type { Plan } from '../../orchestrator/core/plan/plan-types.js';
import { taskHashes } from '../../orchestrator/core/plan/task-hash.js';
import { claimFor, finish, heartbeat, retryDelay } from '../../orchestrator/core/run/transitions.js';
import type { RunEvent } from '../../state/events.js';
import { applyOps } from '../../state/ops.js';
import type { Op, State } from '../../state/schema.js';
import { statusText } from '../../panes/dashboard/view/status-text.js';
import { buildViewModel } from '../../panes/dashboard/model/view-model.js';
import { etaText, statusLine, taskCell } from '../../panes/dashboard/view/view-text.js';

class Sim {
  plan: Plan;
  ctx: RunContext;
  s: State;
  events: RunEvent[] = [];
  constructor(tasks: Array<Record<string, unknown>>, agents: Array<Record<string, unknown>>, learned: Record<string, number> = {}) {
    this.plan = parsePlan(stringify({ version: 1, name: 'sim', workdir: 'w', agents, tasks }), 'sim.yaml');
    this.ctx = buildContext(this.plan);
    this.s = initialState(this.ctx, taskHashes(this.plan, this.ctx.graph), 1000);
    this.s.meta.learned = learned;
  }
  at<R>(now: number, fn: (d: Draft) => R): R {
    const d = new Draft(this.s, now);
    const r = fn(d);
    this.s = applyOps(structuredClone(this.s), d.ops);
    this.events.push(...d.events);
    return r;
  }
  ops(...ops: Op[]): void {
    this.s = applyOps(structuredClone(this.s), ops);
  }
  /** Claims for every group; records a `started` event per claim as the worker would. */
  claim(now: number): Array<{ task: string; agent: string; fence: number }> {
    const out = [];
    for (const q of this.plan.quads) {
      const mine = this.plan.agents.filter((a) => a.quad === q.id).map((a) => a.name);
      const claims = this.at(now, (d) => {
        heartbeat(d, q.id, 100 + q.id, mine);
        return claimFor(d, this.ctx, q.id, mine);
      });
      for (const c of claims) this.events.push({ ts: now + 5, type: 'started', task: c.task, agent: c.agent, fence: c.fence, attempt: c.attempt });
      out.push(...claims);
    }
    return out;
  }
  end(now: number, task: string, ok: boolean, durationMs: number): void {
    const t = this.s.tasks[task]!;
    this.at(now, (d) => finish(d, this.ctx, { task, agent: t.agent!, fence: t.fence!, ok, exitCode: ok ? 0 : 1, durationMs, reason: ok ? undefined : 'run exited with 1' }));
  }
}

const AGENTS = [{ name: 'Core-Setup-Agent', quad: 1 }, { name: 'Voice-Synthesis-Agent', quad: 1 }, { name: 'Docs-Agent', quad: 2 }];
const TASKS = [
  { id: 'a', title: 'Alpha', run: 'true' },
  { id: 'b', title: 'Bravo', run: 'true', needs: ['a'] },
  { id: 'c', title: 'Charlie', run: 'false', needs: ['a'], retries: 1 },
  { id: 'd', title: 'Delta', run: 'true', needs: ['b', 'c'] },
  { id: 'f', title: 'Foxtrot', run: 'false' },
  { id: 'g', title: 'Golf', run: 'true', needs: ['f'] },
];

/** A run with a failure for good (f, blocking g), a retried task (c) and a restarting group. */
function troubledRun(): Sim {
  const sim = new Sim(TASKS, AGENTS);
  sim.claim(1100); // a and f
  sim.end(2100, 'a', true, 1000);
  sim.end(2200, 'f', false, 1100);
  sim.claim(2300); // b and c
  sim.end(3300, 'c', false, 1000); // retried with a backoff
  sim.end(3400, 'b', true, 1100);
  sim.claim(3300 + retryDelay(1) + 100); // c, attempt 2
  const g = sim.s.groups['2']!;
  sim.ops({ op: 'group', v: { ...g, status: 'restarting', restarts: 1 } });
  return sim;
}

describe('dashboard view model (pure)', () => {
  it('groups agent rows by quad with their states, tasks, elapsed times and restarts', () => {
    const sim = troubledRun();
    const m = buildViewModel({ state: sim.s, plan: sim.plan, events: sim.events, now: 4500 });
    expect(m.rows.map((r) => [r.name, r.quad])).to.deep.equal([['Core-Setup-Agent', 1], ['Voice-Synthesis-Agent', 1], ['Docs-Agent', 2]]);
    const c = sim.s.tasks.c!;
    const runner = m.rows.find((r) => r.name === c.agent)!;
    expect(runner.task).to.equal('c');
    expect(runner.attempt).to.equal(2);
    expect(runner.title).to.equal('Charlie');
    expect(runner.elapsedMs).to.equal(4500 - c.startedAt!);
    const docs = m.rows.find((r) => r.name === 'Docs-Agent')!;
    expect(docs.state).to.equal('restarting');
    expect(docs.restarts).to.equal(1);
    expect(m.rows.filter((r) => r.quad === 1).every((r) => r.restarts === 0)).to.equal(true);
  });

  it('keeps an idle agent\'s last task in focus: the one r retries and l opens', () => {
    const sim = new Sim([{ id: 'x', title: 'Ex', run: 'true' }, { id: 'y', title: 'Why', run: 'false', needs: ['x'] }], [{ name: 'A', quad: 1 }]);
    sim.claim(1000);
    sim.end(2000, 'x', true, 1000);
    let row = buildViewModel({ state: sim.s, plan: sim.plan, now: 2000 }).rows[0]!;
    expect([row.state, row.task, row.focusTask, row.focusStatus, row.focusTitle]).to.deep.equal(['idle', undefined, 'x', 'done', 'Ex']);
    sim.claim(2000);
    row = buildViewModel({ state: sim.s, plan: sim.plan, now: 2500 }).rows[0]!;
    expect([row.state, row.task, row.focusTask, row.elapsedMs]).to.deep.equal(['running', 'y', 'y', 500]);
    sim.end(3000, 'y', false, 1000);
    row = buildViewModel({ state: sim.s, plan: sim.plan, now: 3000 }).rows[0]!;
    expect([row.state, row.task, row.focusTask, row.focusStatus]).to.deep.equal(['idle', undefined, 'y', 'failed']);
  });

  it('a task without a title shows its id once ("bundle ✔", not "bundle ✔ bundle")', () => {
    const sim = new Sim([{ id: 'bundle', run: 'true' }], [{ name: 'A', quad: 1 }]);
    sim.claim(1000);
    expect(taskCell(buildViewModel({ state: sim.s, plan: sim.plan, now: 1500 }).rows[0]!)).to.equal('bundle');
    sim.end(2000, 'bundle', true, 1000);
    expect(taskCell(buildViewModel({ state: sim.s, plan: sim.plan, now: 2000 }).rows[0]!)).to.equal('bundle ✔');
  });

  it('counts progress by state and done tasks per quad', () => {
    const sim = troubledRun();
    const m = buildViewModel({ state: sim.s, plan: sim.plan, events: sim.events, now: 4500 });
    expect(m.progress).to.include({ done: 2, total: 6, percent: 33 });
    expect(m.progress.counts).to.deep.equal({ pending: 1, ready: 0, running: 1, done: 2, failed: 1, blocked: 1 });
    expect(m.failed).to.deep.equal(['f']);
    expect(m.blocked).to.deep.equal(['g']);
    const perQuad = Object.fromEntries(m.quads.map((q) => [q.id, q.done]));
    const expected: Record<number, number> = { 1: 0, 2: 0 };
    for (const id of ['a', 'b']) expected[sim.s.tasks[id]!.quad!]!++;
    expect(perQuad).to.deep.equal(expected);
    expect(m.quads.find((q) => q.id === 2)).to.include({ group: 'restarting', restarts: 1 });
  });

  it('builds one bar per attempt from the events, open attempts running to now, critical path marked', () => {
    const sim = troubledRun();
    const m = buildViewModel({ state: sim.s, plan: sim.plan, events: sim.events, now: 4500 });
    const bars = m.timeline.rows.flatMap((r) => r.bars.map((b) => ({ ...b, row: r.agent })));
    const of = (task: string) => bars.filter((b) => b.task === task).sort((x, y) => x.start - y.start).map((b) => [b.status, b.attempt]);
    expect(of('a')).to.deep.equal([['done', 1]]);
    expect(of('f')).to.deep.equal([['failed', 1]]);
    expect(of('c')).to.deep.equal([['failed', 1], ['running', 2]]);
    expect(of('b')).to.deep.equal([['done', 1]]);
    expect(of('d')).to.deep.equal([]);
    for (const b of bars) expect(b.row).to.equal(b.agent);
    // Bars start when the process started (the `started` event), not at the claim.
    expect(bars.find((b) => b.task === 'a')!.start).to.equal(1105);
    expect(bars.find((b) => b.task === 'c' && b.status === 'running')!.end).to.equal(4500);
    expect(m.timeline).to.include({ start: 1000, end: 4500 });
    // Critical path with measured and estimated durations: a (1000) -> b (1100) -> d.
    expect(m.status.criticalPath).to.deep.equal(['a', 'b', 'd']);
    for (const b of bars) expect(b.critical, b.task).to.equal(['a', 'b', 'd'].includes(b.task));
  });

  it('ignores events of an earlier run in the same directory', () => {
    const sim = troubledRun();
    const old: RunEvent[] = [{ ts: 10, type: 'claimed', task: 'a', agent: 'Docs-Agent', fence: 99 }, { ts: 20, type: 'finished', task: 'a', agent: 'Docs-Agent', fence: 99 }];
    const m = buildViewModel({ state: sim.s, plan: sim.plan, events: [...old, ...sim.events], now: 4500 });
    expect(m.timeline.rows.find((r) => r.agent === 'Docs-Agent')!.bars.some((b) => b.task === 'a' && b.start === 10)).to.equal(false);
  });

  it('estimates the ETA from the remaining critical path and learned durations', () => {
    // x -> y -> z, each learned at 1 s, one agent: x done, y running for 400 ms.
    const sim = new Sim([{ id: 'x', run: 'true' }, { id: 'y', run: 'true', needs: ['x'] }, { id: 'z', run: 'true', needs: ['y'] }], [{ name: 'A', quad: 1 }], { x: 1000, y: 1000, z: 1000 });
    sim.claim(1000);
    sim.end(2000, 'x', true, 1000);
    sim.claim(2000);
    const m = buildViewModel({ state: sim.s, plan: sim.plan, now: 2405 });
    // y started at 2005 (started event), but the state's startedAt is the claim time, 2000.
    expect(m.status.etaMs).to.equal(600 - 5 + 1000);
    expect(m.status.lowerBoundMs).to.equal(3000);
    expect(m.status.makespanMs).to.equal(1405);
    expect(etaText(m.status)).to.match(/^~1\.\d+s$/);
    // y now runs far past its 1 s estimate: the ETA is only a lower bound, and says so.
    const late = buildViewModel({ state: sim.s, plan: sim.plan, now: 32_000 });
    expect(late.status.etaOverrun).to.equal(true);
    expect(etaText(late.status)).to.match(/^≥/);
    expect(m.status.etaOverrun).to.equal(false);
  });

  it('falls back to the mean of finished durations when nothing is learned, and stops at the end', () => {
    const sim = new Sim([{ id: 'x', run: 'true' }, { id: 'y', run: 'true', needs: ['x'] }], [{ name: 'A', quad: 1 }]);
    sim.claim(1000);
    sim.end(3000, 'x', true, 2000);
    expect(buildViewModel({ state: sim.s, plan: sim.plan, now: 3000 }).status.etaMs).to.equal(2000);
    sim.claim(3000);
    sim.end(4000, 'y', true, 1000);
    const m = buildViewModel({ state: sim.s, plan: sim.plan, now: 9999 });
    expect(m.status.runStatus).to.equal('finished');
    expect(m.status.etaMs).to.equal(undefined);
    expect(m.status.elapsedMs).to.equal(3000);
    expect(etaText(m.status)).to.equal('done');
    expect(m.rows[0]!.elapsedMs).to.equal(undefined); // idle after the end: no running clock
  });

  it('says the same in the status line and in `orchestrator status` text', () => {
    const sim = troubledRun();
    sim.ops({ op: 'meta', v: { paused: true } }, { op: 'alert', v: { at: 4400, level: 'warning', kind: 'group-restarted', message: 'quad 2 restarted', quad: 2 } });
    const m = buildViewModel({ state: sim.s, plan: sim.plan, events: sim.events, now: 4500 });
    const line = statusLine(m, 200, '? help');
    expect(line).to.match(/^sim · running · PAUSED │ 2\/6 done │ elapsed 3\.50s │ makespan 3\.40s vs lower bound \S+ │ ETA ~\S+ \(paused\)\s+\? help$/);
    expect(line).to.have.length(200);
    expect(statusLine(m, 60)).to.have.length.at.most(60);
    const text = statusText(m).join('\n');
    expect(text).to.match(/^sim: running \(paused: claiming stopped\) — 2 done, 1 running, 0 ready, 1 pending, 1 failed, 1 blocked/);
    expect(text).to.include('2/6 done (33%)');
    expect(text).to.match(/ETA ~/);
    expect(text).to.match(/Docs-Agent\s+restarting\s+.*\s1\s/);
    expect(text).to.include('Voice-Synthesis-Agent');
    expect(text).to.include('failed: f (orchestrator retry ID)');
    expect(text).to.include('blocked: g');
    expect(text).to.include('WARNING group-restarted: quad 2 restarted');
  });
});
