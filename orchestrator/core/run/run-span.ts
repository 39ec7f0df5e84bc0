/**
 * Which work belongs to the current run of a state. A resumed run keeps the done tasks of
 * earlier runs with their old claim and finish times; a makespan (or a lower bound) that
 * counted them would measure from the first run's start. A task belongs to this run when it
 * was claimed since `meta.startedAt` (set when the run was started or resumed). Pure.
 */
import type { State, TaskState } from '../../../state/schema.js';

export function claimedThisRun(t: TaskState, s: State): boolean {
  return t.claimedAt !== undefined && t.claimedAt >= s.meta.startedAt;
}

/**
 * This run's first claim to its last finish; with `until` (a run still going: now), to then.
 * 0 before anything was claimed.
 */
export function runMakespanMs(s: State, until?: number): number {
  let first = Infinity;
  let last = 0;
  for (const t of Object.values(s.tasks)) {
    if (!claimedThisRun(t, s)) continue;
    first = Math.min(first, t.claimedAt!);
    if (t.finishedAt !== undefined) last = Math.max(last, t.finishedAt);
  }
  if (!Number.isFinite(first)) return 0;
  if (until !== undefined) last = until;
  return last > first ? last - first : 0;
}
