/**
 * The engine's fast paths added for the benchmark targets give the same answers as the plain
 * versions: the scheduler's candidate cut, and the task index behind Draft's ready / running /
 * active queries (randomised, seeded).
 */
import { expect } from 'chai';
import { mulberry32, intBetween } from '../../bench/rng.js';
import { Draft } from '../../orchestrator/core/run/draft.js';
import { candidates, roleCounts, schedule, type IdleAgent, type ReadyTask } from '../../orchestrator/core/run/scheduler.js';
import { applyOps, emptyState } from '../../state/ops.js';
import { TASK_STATUSES, type Op, type State, type TaskState } from '../../state/schema.js';
import { TaskIndex } from '../../state/task-index.js';

const ROLES = ['api', 'docs', 'video', 'core'];

describe('engine fast paths (pure, randomised)', () => {
  it('schedule on candidates() assigns exactly as schedule on every ready task', () => {
    const rng = mulberry32(99);
    for (let round = 0; round < 400; round++) {
      const n = intBetween(rng, 0, 400);
      // Few distinct priorities, so that large tiers of equal priority are common.
      const prios = Array.from({ length: intBetween(rng, 1, 6) }, () => intBetween(rng, 1, 50) * 100);
      const ready: ReadyTask[] = Array.from({ length: n }, (_, i) => ({
        id: `t${i}`, index: i, priority: prios[intBetween(rng, 0, prios.length - 1)]!,
        ...(rng() < 0.5 && { role: ROLES[intBetween(rng, 0, ROLES.length - 1)] }),
      }));
      // Plan order is not ready order.
      for (let i = ready.length - 1; i > 0; i--) {
        const j = intBetween(rng, 0, i);
        [ready[i], ready[j]] = [ready[j]!, ready[i]!];
      }
      const idle: IdleAgent[] = Array.from({ length: intBetween(rng, 0, 12) }, (_, i) => ({
        name: `a${i}`, roles: rng() < 0.6 ? [ROLES[intBetween(rng, 0, ROLES.length - 1)]!] : [],
      }));
      const cut = candidates(ready, idle);
      expect(cut.length).to.be.at.most(ready.length);
      expect(schedule(cut, idle, roleCounts(ready)), `round ${round}`).to.deep.equal(schedule(ready, idle));
    }
  });

  it('keeps only a few candidates among thousands of equal tasks', () => {
    const ready: ReadyTask[] = Array.from({ length: 10_000 }, (_, i) => ({ id: `t${i}`, index: i, priority: 1 }));
    const idle = Array.from({ length: 4 }, (_, i) => ({ name: `a${i}`, roles: [] }));
    const cut = candidates(ready, idle);
    expect(cut.length).to.be.at.most(3 * idle.length);
    expect(schedule(cut, idle, roleCounts(ready)).map((x) => x.task)).to.deep.equal(['t0', 't1', 't2', 't3']);
  });

  it('the task index answers ready / running / active like a scan, through ops and draft overlays', () => {
    const rng = mulberry32(7);
    const status = () => TASK_STATUSES[intBetween(rng, 0, TASK_STATUSES.length - 1)]!;
    const taskOf = (id: string): TaskState => ({ id, status: status(), hash: '', attempts: 0 });
    let s: State = emptyState(0);
    for (let i = 0; i < 60; i++) s.tasks[`t${i}`] = taskOf(`t${i}`);
    const index = TaskIndex.of(s);
    const sorted = (xs: string[]) => [...xs].sort();
    for (let round = 0; round < 300; round++) {
      const ops: Op[] = [];
      for (let k = intBetween(rng, 1, 5); k > 0; k--) {
        const r = rng();
        const id = `t${intBetween(rng, 0, 70)}`;
        if (r < 0.8) ops.push({ op: 'task', v: taskOf(id) });
        else if (r < 0.95) ops.push({ op: 'deltask', id });
        else {
          const fresh = emptyState(0);
          for (let i = 0; i < 30; i++) fresh.tasks[`t${i}`] = taskOf(`t${i}`);
          ops.push({ op: 'replace', v: fresh });
        }
      }
      s = applyOps(s, ops);
      index.apply(ops, s);
      const fast = new Draft(s, 0, index);
      const slow = new Draft(s, 0);
      // Changes inside the draft, not yet committed.
      for (let k = intBetween(rng, 0, 4); k > 0; k--) {
        const t = taskOf(`t${intBetween(rng, 0, 70)}`);
        fast.setTask(t);
        slow.setTask(t);
      }
      expect(sorted(fast.readyIds()), `round ${round}`).to.deep.equal(sorted(slow.readyIds()));
      expect(sorted(fast.runningIds())).to.deep.equal(sorted(slow.runningIds()));
      expect(fast.anyActive()).to.equal(slow.anyActive());
      expect(index.active).to.equal(Object.values(s.tasks).filter((t) => TaskIndex.isActive(t.status)).length);
    }
  });
});
