/**
 * The state's size is bounded by what is live: a finished task adds a small fixed number of
 * bytes, whatever it printed and however often it was tried (its output is in its log). Every
 * process of a run holds the whole state, so this is their memory in a long run.
 */
import { expect } from 'chai';
import { stringify } from 'yaml';
import { buildContext } from '../../orchestrator/core/graph/context.js';
import { Draft } from '../../orchestrator/core/run/draft.js';
import { initialState } from '../../orchestrator/core/run/lifecycle.js';
import { parsePlan } from '../../orchestrator/run-dir/load-plan.js';
import { taskHashes } from '../../orchestrator/core/plan/task-hash.js';
import { claimFor, finish, retryDelay } from '../../orchestrator/core/run/transitions.js';
import { compactState, compactTask, TAIL_LINES } from '../../state/compact.js';
import { applyOps } from '../../state/ops.js';
import type { State, TaskState } from '../../state/schema.js';

const N = 200;
/** What a finished task may add to the state, in bytes (its times, agent, exit code, ...). */
const PER_TASK_BYTES = 200;
const bigTail = (i: number) => Array.from({ length: 10 }, (_, k) => `${i}:${k} ${'x'.repeat(390)}`);
const size = (s: State) => JSON.stringify(s).length;

function setup(retries = 0) {
  const tasks = Array.from({ length: N }, (_, i) => ({ id: `T${i}`, run: 'true', retries }));
  const plan = parsePlan(stringify({ version: 1, name: 't', workdir: 'w', agents: [{ name: 'A', quad: 1 }], tasks }), 'mem.yaml');
  const ctx = buildContext(plan);
  return { ctx, state: initialState(ctx, taskHashes(plan, ctx.graph), 1000) };
}

function step<R>(s: State, now: number, fn: (d: Draft) => R): { s: State; r: R } {
  const d = new Draft(s, now);
  const r = fn(d);
  return { s: applyOps(s, d.ops), r };
}

/** Runs every task to its end on one agent; each attempt prints ten 400-character lines; the first `fails` attempts of each fail. */
function runAll(fails: number): { before: number; after: number; s: State } {
  const { ctx, state } = setup(fails);
  const before = size(state);
  let s = structuredClone(state);
  let now = 2000;
  for (;;) {
    const claimed = step(s, now, (d) => claimFor(d, ctx, 1, ['A']));
    s = claimed.s;
    const c = claimed.r[0];
    if (!c) {
      if (Object.values(s.tasks).every((t) => t.status === 'done' || t.status === 'failed')) break;
      now += retryDelay(fails + 1);
      continue;
    }
    const failing = s.tasks[c.task]!.attempts <= fails;
    now += 50;
    s = step(s, now, (d) => finish(d, ctx, {
      task: c.task, agent: 'A', fence: c.fence, ok: !failing, exitCode: failing ? 1 : 0, signal: null, durationMs: 50,
      tail: bigTail(c.fence), ...(failing && { reason: 'run exited with 1' }),
    })).s;
  }
  return { before, after: size(s), s };
}

describe('state size (pure)', () => {
  it(`a finished task adds at most ${PER_TASK_BYTES} bytes, however much it printed`, () => {
    const { before, after, s } = runAll(0);
    expect(Object.values(s.tasks).every((t) => t.status === 'done')).to.equal(true);
    expect((after - before) / N).to.be.at.most(PER_TASK_BYTES);
  });

  it('attempts that failed before leave nothing behind once the task is done', () => {
    const once = runAll(0);
    const thrice = runAll(2);
    expect(Object.values(thrice.s.tasks).every((t) => t.status === 'done' && t.attempts === 3)).to.equal(true);
    // Larger fencing tokens and times aside, the same size.
    expect((thrice.after - once.after) / N).to.be.at.most(8);
  });

  it('a failed task keeps its last lines and why; a done one keeps what status and the report read', () => {
    const done: TaskState = {
      id: 'a', status: 'done', hash: 'h', attempts: 2, agent: 'A', quad: 1, fence: 7, readyAt: 1, claimedAt: 5, startedAt: 5, finishedAt: 9,
      durationMs: 4, exitCode: 0, signal: null, tail: bigTail(1), notBefore: 3, lost: 0,
    };
    expect(compactTask(done)).to.deep.equal({ id: 'a', status: 'done', hash: 'h', attempts: 2, agent: 'A', quad: 1, fence: 7, claimedAt: 5, startedAt: 5, finishedAt: 9, durationMs: 4, exitCode: 0 });
    const failed: TaskState = { ...done, status: 'failed', exitCode: 1, reason: 'r'.repeat(5000), tail: [...bigTail(1), ...bigTail(2)] };
    const f = compactTask(failed);
    expect(f.tail).to.deep.equal(bigTail(2).slice(-TAIL_LINES));
    expect(f.reason!.length).to.be.at.most(1000);
    expect(f).to.include({ exitCode: 1, durationMs: 4, attempts: 2 });
    // Idempotent, and what is live is left alone.
    expect(compactTask(f)).to.equal(f);
    const running: TaskState = { ...done, status: 'running', leaseUntil: 99 };
    expect(compactTask(running)).to.equal(running);
  });

  it('a state written before records were compacted shrinks at its next snapshot', () => {
    const { state } = setup();
    for (const t of Object.values(state.tasks)) {
      state.tasks[t.id] = { ...t, status: 'done', attempts: 1, agent: 'A', quad: 1, readyAt: 1000, claimedAt: 1100, startedAt: 1100, finishedAt: 1200, durationMs: 100, exitCode: 0, signal: null, tail: bigTail(1) };
    }
    const c = compactState(state);
    expect(size(c)).to.be.lessThan(size(state) / 10);
    expect(c.tasks.T0).to.not.have.property('tail');
    expect(compactState(c)).to.equal(c);
  });
});
