/**
 * What holds an agent task back from a claim (its CLI paused by a usage limit) and which of its
 * attempts were free (limits and stalls resume without using a retry). Pure.
 */
import type { TaskState } from '../../../state/schema.js';
import type { RunContext } from '../graph/context.js';
import type { Draft } from './draft.js';

/** Attempts that did not use a retry (limits and stalls resume for free, up to MAX_AUTO_RESUMES each). */
export function freeAttempts(t: TaskState): number {
  return (t.ai?.limits ?? 0) + (t.ai?.stalls ?? 0);
}

/** Is an agent task held back now: its CLI paused, or the run's token budget spent? */
export function agentHeld(d: Draft, ctx: RunContext, id: string): boolean {
  const spec = ctx.tasks.get(id)?.agent;
  if (!spec) return false;
  return (d.meta.agentPauses?.[spec.cli] ?? 0) > d.now;
}

