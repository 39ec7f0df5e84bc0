import { expect } from 'chai';
import { stringify } from 'yaml';
import { buildContext } from '../../orchestrator/core/graph/context.js';
import { Draft } from '../../orchestrator/core/run/draft.js';
import { groupStopped, initialState, retryTask, setPaused } from '../../orchestrator/core/run/lifecycle.js';
import { runStopped } from '../../orchestrator/core/run/group-transitions.js';
import { parsePlan } from '../../orchestrator/run-dir/load-plan.js';
import { taskHashes } from '../../orchestrator/core/plan/task-hash.js';
import { claimFor, expireLeases, finish, heartbeat, LEASE_MS, retryDelay } from '../../orchestrator/core/run/transitions.js';
import { applyOps } from '../../state/ops.js';
import type { State } from '../../state/schema.js';

function setup(tasks: Array<Record<string, unknown>>, agents = [{ name: 'A', quad: 1 }, { name: 'B', quad: 1 }]) {
  const plan = parsePlan(stringify({ version: 1, name: 't', workdir: 'w', agents, tasks }), 'mem.yaml');
  const ctx = buildContext(plan);
  const state = initialState(ctx, taskHashes(plan, ctx.graph), 1000);
  return { plan, ctx, state };
}

/** Runs a transition on a draft and applies its ops, as the store would. */
function step<R>(s: State, now: number, fn: (d: Draft) => R): { s: State; r: R; d: Draft } {
  const d = new Draft(s, now);
  const r = fn(d);
  return { s: applyOps(structuredClone(s), d.ops), r, d };
}

const ok = (task: string, agent: string, fence: number) => ({ task, agent, fence, ok: true, exitCode: 0, durationMs: 10 });
const bad = (task: string, agent: string, fence: number) => ({ task, agent, fence, ok: false, exitCode: 1, durationMs: 10, reason: 'run exited with 1' });

describe('transitions (pure)', () => {
  const diamond = [
    { id: 'a', run: 'true' },
    { id: 'b', run: 'true', needs: ['a'] },
    { id: 'c', run: 'false', needs: ['a'], retries: 1 },
    { id: 'd', run: 'true', needs: ['b', 'c'] },
    { id: 'e', run: 'true', needs: ['b'] },
  ];

  it('starts with only dependency-free tasks ready', () => {
    const { state } = setup(diamond);
    expect(Object.values(state.tasks).map((t) => t.status)).to.deep.equal(['ready', 'pending', 'pending', 'pending', 'pending']);
  });

  it('claims with increasing fencing tokens and a lease', () => {
    const { ctx, state } = setup([{ id: 'x', run: 'true' }, { id: 'y', run: 'true' }]);
    const { s, r } = step(state, 2000, (d) => claimFor(d, ctx, 1, ['A', 'B']));
    expect(r.map((c) => c.fence)).to.deep.equal([1, 2]);
    expect(s.tasks.x!.status).to.equal('running');
    expect(s.tasks.x!.leaseUntil).to.equal(2000 + LEASE_MS);
    expect(s.agents.A!.task).to.equal('x');
    expect(s.meta.fence).to.equal(2);
  });

  it('runs the diamond: retries then fails c, blocks d only, finishes the run', () => {
    const { ctx, state } = setup(diamond, [{ name: 'A', quad: 1 }]);
    let s = state;
    let now = 2000;
    const claimOne = () => {
      const r = step(s, now, (d) => claimFor(d, ctx, 1, ['A']));
      s = r.s;
      return r.r[0];
    };
    let c = claimOne()!;
    expect(c.task).to.equal('a');
    s = step(s, ++now, (d) => finish(d, ctx, ok('a', 'A', c.fence))).s;
    expect(s.tasks.b!.status).to.equal('ready');
    c = claimOne()!; // b and c are both ready; b and c have equal priority → plan order
    expect(c.task).to.equal('b');
    s = step(s, ++now, (d) => finish(d, ctx, ok('b', 'A', c.fence))).s;
    c = claimOne()!;
    expect(c.task).to.equal('c');
    s = step(s, ++now, (d) => finish(d, ctx, bad('c', 'A', c.fence))).s;
    expect(s.tasks.c!.status).to.equal('ready');
    expect(s.tasks.c!.notBefore).to.equal(now + retryDelay(1));
    c = claimOne()!; // c waits for its backoff: e is taken meanwhile
    expect(c.task).to.equal('e');
    s = step(s, ++now, (d) => finish(d, ctx, ok('e', 'A', c.fence))).s;
    expect(claimOne()).to.equal(undefined);
    now += retryDelay(1);
    c = claimOne()!;
    expect(c).to.include({ task: 'c', attempt: 2 });
    const last = step(s, ++now, (d) => finish(d, ctx, bad('c', 'A', c.fence)));
    s = last.s;
    expect(s.tasks.c!.status).to.equal('failed');
    expect(s.tasks.c!.attempts).to.equal(2);
    expect(s.tasks.d!.status).to.equal('blocked');
    expect(s.tasks.d!.reason).to.match(/needs c/);
    expect(s.meta.status).to.equal('finished');
    expect(last.d.events.map((e) => e.type)).to.include.members(['failed', 'blocked', 'run-finished']);
  });

  it('a paused run that finishes is finished, not paused', () => {
    const { ctx, state } = setup([{ id: 'x', run: 'true' }]);
    let { s } = step(state, 2000, (d) => claimFor(d, ctx, 1, ['A']));
    s = step(s, 2100, (d) => setPaused(d, true)).s;
    expect(s.meta.paused).to.equal(true);
    s = step(s, 2200, (d) => finish(d, ctx, ok('x', 'A', 1))).s;
    expect(s.meta).to.include({ status: 'finished', paused: false });
  });

  it('rejects a result carrying a stale fencing token', () => {
    const { ctx, state } = setup([{ id: 'x', run: 'true' }], [{ name: 'A', quad: 1 }, { name: 'B', quad: 2 }]);
    let s = step(state, 2000, (d) => heartbeat(d, 2, 42, ['B'])).s;
    const first = step(s, 2000, (d) => claimFor(d, ctx, 1, ['A']));
    s = first.s;
    const old = first.r[0]!;
    // A's lease runs out; B takes the task over with a newer token.
    s = step(s, 2000 + LEASE_MS + 1, (d) => expireLeases(d, ctx)).s;
    expect(s.tasks.x!.status).to.equal('ready');
    s = step(s, 2000 + LEASE_MS + 2, (d) => heartbeat(d, 2, 42, ['B'])).s;
    const second = step(s, 2000 + LEASE_MS + 2, (d) => claimFor(d, ctx, 2, ['B']));
    s = second.s;
    expect(second.r[0]!.fence).to.be.greaterThan(old.fence);
    const stale = step(s, 2000 + LEASE_MS + 3, (d) => finish(d, ctx, bad('x', 'A', old.fence)));
    expect(stale.r).to.equal(false);
    expect(stale.s.tasks.x!.status).to.equal('running');
    expect(stale.d.events.map((e) => e.type)).to.deep.equal(['stale-result-rejected']);
    const fresh = step(stale.s, 2000 + LEASE_MS + 4, (d) => finish(d, ctx, ok('x', 'B', second.r[0]!.fence)));
    expect(fresh.s.tasks.x!.status).to.equal('done');
  });

  it('requeues the tasks of a dead group at once and fails a task that keeps losing its worker', () => {
    const { ctx, state } = setup([{ id: 'x', run: 'true' }], [{ name: 'A', quad: 1 }]);
    let s = state;
    for (let i = 1; i <= 2; i++) {
      s = step(s, 2000 * i, (d) => claimFor(d, ctx, 1, ['A'])).s;
      const r = step(s, 2000 * i + 1, (d) => expireLeases(d, ctx, new Set([1])));
      s = applyOps(r.s, [{ op: 'agent', v: { ...r.s.agents.A!, status: 'idle' } }]);
      if (i === 1) expect(s.tasks.x!.status).to.equal('ready');
    }
    expect(s.tasks.x!.status).to.equal('failed');
    expect(s.tasks.x!.reason).to.match(/lost 2 times/);
  });

  it('retry makes a failed task ready and unblocks only what it blocked', () => {
    const { ctx, state } = setup([
      { id: 'a', run: 'false' }, { id: 'b', run: 'false' },
      { id: 'c', run: 'true', needs: ['a'] }, { id: 'd', run: 'true', needs: ['a', 'b'] },
    ]);
    let s = state;
    const claims = step(s, 2000, (d) => claimFor(d, ctx, 1, ['A', 'B']));
    s = claims.s;
    for (const c of claims.r) s = step(s, 2001, (d) => finish(d, ctx, bad(c.task, c.agent, c.fence))).s;
    expect([s.tasks.c!.status, s.tasks.d!.status, s.meta.status]).to.deep.equal(['blocked', 'blocked', 'finished']);
    const r = step(s, 3000, (d) => retryTask(d, ctx, 'a'));
    expect(r.r).to.deep.equal(['c']);
    expect([r.s.tasks.a!.status, r.s.tasks.c!.status, r.s.tasks.d!.status, r.s.meta.status]).to.deep.equal(['ready', 'pending', 'blocked', 'running']);
    expect(() => step(r.s, 3001, (d) => retryTask(d, ctx, 'c'))).to.throw(/not failed/);
  });

  it('resume keeps unchanged done tasks and re-runs a changed task and its dependents', () => {
    const tasks = [{ id: 'a', run: 'echo a' }, { id: 'b', run: 'echo b', needs: ['a'] }, { id: 'c', run: 'echo c', needs: ['b'] }, { id: 'z', run: 'echo z' }];
    const first = setup(tasks);
    const done: State = structuredClone(first.state);
    for (const t of Object.values(done.tasks)) Object.assign(t, { status: 'done', durationMs: 5 });
    const changed = tasks.map((t) => (t.id === 'b' ? { ...t, run: 'echo B' } : t));
    const { plan, ctx } = setup(changed);
    const next = initialState(ctx, taskHashes(plan, ctx.graph), 5000, done);
    expect(Object.fromEntries(Object.values(next.tasks).map((t) => [t.id, t.status]))).to.deep.equal({ a: 'done', b: 'ready', c: 'pending', z: 'done' });
    expect(next.meta.learned).to.include({ a: 5 });
  });

  it('a run stopped from outside hands back the tasks of groups still on the books, uncounted, once', () => {
    const agents = [{ name: 'A', quad: 1 }, { name: 'B', quad: 2 }];
    const { ctx, state } = setup([{ id: 'x', run: 'true' }, { id: 'y', run: 'true' }, { id: 'z', run: 'true' }], agents);
    let s = step(state, 2000, (d) => {
      heartbeat(d, 1, 11, ['A']);
      heartbeat(d, 2, 22, ['B']);
      claimFor(d, ctx, 1, ['A']);
      claimFor(d, ctx, 2, ['B']);
    }).s;
    // Group 2 handed its task back itself before the stop was recorded.
    s = step(s, 2100, (d) => groupStopped(d, 2, ['B'], 'stopped')).s;
    const stopped = step(s, 2200, runStopped);
    s = stopped.s;
    expect(Object.values(s.tasks).map((t) => `${t.id} ${t.status} attempts ${t.attempts}`)).to.deep.equal(['x ready attempts 0', 'y ready attempts 0', 'z ready attempts 0']);
    expect([s.groups['1']!.status, s.groups['2']!.status, s.meta.status]).to.deep.equal(['stopped', 'stopped', 'interrupted']);
    expect(stopped.d.ops.filter((o) => JSON.stringify(o).includes('"quad":2'))).to.deep.equal([]);
    expect(step(s, 2300, runStopped).d.ops).to.deep.equal([]);
  });
});
