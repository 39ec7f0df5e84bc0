/**
 * `orchestrator rerun ID`: a done task runs again, and so does everything downstream of it
 * (its results are inputs to them), as `make` rebuilds what depends on a changed target.
 * A pure transition on a Draft; a running task is never touched.
 */
import type { RunContext } from '../graph/context.js';
import type { Draft } from './draft.js';
import { downstream } from '../graph/graph.js';
import { promote } from './transitions.js';

export function rerunTask(d: Draft, ctx: RunContext, id: string): string[] {
  const t = d.task(id);
  if (!t) throw new Error(`no task ${id} in this run`);
  if (t.status !== 'done') throw new Error(`task ${id} is ${t.status}, not done; ${t.status === 'failed' ? '`retry` runs a failed task again' : 'only a done task can be run again'}`);
  const g = ctx.graph;
  const below = [...downstream(g, [g.index.get(id)!])].map((j) => g.ids[j]!).filter((o) => o !== id);
  const running = below.filter((o) => d.task(o)?.status === 'running');
  if (running.length) throw new Error(`${running.join(', ')} ${running.length > 1 ? 'are' : 'is'} running; wait for ${running.length > 1 ? 'them' : 'it'} to end before running ${id} again`);
  const again = [id, ...below];
  for (const o of again) {
    const s = d.task(o)!;
    d.setTask({ ...s, status: 'pending', attempts: 0, lost: 0, reason: undefined, exitCode: undefined, signal: undefined, notBefore: undefined, agent: undefined, startedAt: undefined, finishedAt: undefined, durationMs: undefined });
    d.event({ type: 'task-reset', task: o, reason: o === id ? 'rerun' : `rerun of ${id}` });
  }
  promote(d, ctx, again);
  if (d.meta.status !== 'running') d.setMeta({ status: 'running', finishedAt: undefined });
  return below;
}
