/**
 * A finished task's record, compacted: what a task needs while it waits or runs (its lease,
 * process group, backoff, ready time, the output tail of an attempt) is dropped once it is done,
 * so a long run's state grows by a small fixed number of bytes per finished task, whatever the
 * task printed or how often it was tried. Every process holds the whole state, so its size is
 * every process's memory.
 *
 * What is kept is what `status`, `report`, the dashboard and `rerun` read from the state; a
 * task's output is in its log file (logs/tasks/<id>.log). A failed task keeps its tail (the
 * last lines say why), cut to TAIL_LINES. Applied when a task finishes (core transitions) and to
 * every task when a snapshot is written, so a state written by an older version shrinks at its
 * next compaction. Pure and idempotent.
 */
import type { State, TaskState } from './schema.js';

/** Lines of output a failed task keeps in the state (its log has all of them). */
export const TAIL_LINES = 10;
/** Longest `reason` kept in the state, in characters. */
export const MAX_REASON_CHARS = 1000;

const FINISHED = new Set(['done', 'failed', 'blocked']);

/** Fields only a waiting or running task needs. */
const LIVE_ONLY = ['readyAt', 'notBefore', 'leaseUntil', 'pgid', 'pgidStart'] as const;

/** `t` without what only a waiting or running task needs; `t` itself when nothing changes. */
export function compactTask(t: TaskState): TaskState {
  if (!FINISHED.has(t.status)) return t;
  const c: TaskState = { ...t };
  let changed = false;
  const drop = (k: keyof TaskState) => {
    if (k in c) {
      delete c[k];
      changed = true;
    }
  };
  for (const k of LIVE_ONLY) drop(k);
  if (c.signal == null) drop('signal');
  if (c.lost === 0) drop('lost');
  for (const k of Object.keys(c) as Array<keyof TaskState>) if (c[k] === undefined) drop(k);
  if (c.tail && t.status !== 'failed') drop('tail');
  else if (c.tail && c.tail.length > TAIL_LINES) {
    c.tail = c.tail.slice(-TAIL_LINES);
    changed = true;
  }
  if (c.reason && c.reason.length > MAX_REASON_CHARS) {
    c.reason = `${c.reason.slice(0, MAX_REASON_CHARS - 1)}…`;
    changed = true;
  }
  return changed ? c : t;
}

/** `s` with every finished task compacted (a new object when anything changed, else `s`). */
export function compactState(s: State): State {
  let tasks: State['tasks'] | undefined;
  for (const [id, t] of Object.entries(s.tasks)) {
    const c = compactTask(t);
    if (c !== t) (tasks ??= { ...s.tasks })[id] = c;
  }
  return tasks ? { ...s, tasks } : s;
}
