/** A state holding one counter task, and the transaction that increments it (tests, bench). */
import { emptyState } from '../../state/ops.js';
import type { State, TaskState } from '../../state/schema.js';

export const COUNTER = 'counter';

/** A state with the counter at 0 and `extraTasks` other tasks (to make the state big). */
export function counterState(extraTasks = 0): State {
  const s = emptyState(Date.now());
  s.meta.runId = 'test';
  s.meta.planName = 'counter';
  const task = (id: string): TaskState => ({ id, status: 'pending', hash: `h-${id}`, attempts: 0 });
  s.tasks[COUNTER] = task(COUNTER);
  for (let i = 0; i < extraTasks; i++) {
    const id = `T${String(i).padStart(5, '0')}`;
    s.tasks[id] = { ...task(id), readyAt: Date.now(), reason: 'filler so the state is the size of a real plan' };
  }
  return s;
}

/** One increment: read the counter task, write it back with attempts + 1 and who did it. */
export function increment(label: string) {
  return (s: Readonly<State>) => {
    const c = s.tasks[COUNTER]!;
    const v: TaskState = { ...c, attempts: c.attempts + 1, agent: label };
    return { ops: [{ op: 'task' as const, v }], value: v.attempts };
  };
}
