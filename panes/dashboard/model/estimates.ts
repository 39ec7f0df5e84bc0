/**
 * How long the run takes and how long it still needs: one duration vector per task (measured
 * when done, otherwise learned from earlier runs, the plan's estimate, or the mean of what this
 * run has finished so far) gives the critical path, the lower bound and the ETA. Pure.
 */
import { DEFAULT_ESTIMATE_MS } from '../../../orchestrator/core/graph/context.js';
import { criticalPath, lowerBound, priorities, type Graph } from '../../../orchestrator/core/graph/graph.js';
import type { Plan } from '../../../orchestrator/core/plan/plan-types.js';
import { runMakespanMs } from '../../../orchestrator/core/run/run-span.js';
import type { State } from '../../../state/schema.js';

export interface RunTiming {
  /** Best-known duration of every task, in graph order. */
  durations: Float64Array;
  criticalPath: string[];
  criticalMs: number;
  /** No schedule on the plan's agents finishes sooner (critical path vs total work / agents). */
  lowerBoundMs: number;
  /** First claim of this run to the last finish (or now while running). */
  makespanMs: number;
  elapsedMs: number;
  /** Remaining time: undefined when the run is not running; the longest remaining chain vs remaining work / agents. */
  etaMs?: number;
  /** The chain that bounds the ETA (remaining tasks only). */
  etaPath: string[];
  /** Some running attempt has outrun its estimate: the ETA is a lower bound, not a guess. */
  etaOverrun: boolean;
}

/** Mean duration of the tasks done in this state; the default estimate when none are. */
export function meanDoneMs(s: State): number {
  let sum = 0;
  let n = 0;
  for (const t of Object.values(s.tasks)) {
    if (t.status === 'done' && t.durationMs !== undefined) {
      sum += t.durationMs;
      n++;
    }
  }
  return n ? sum / n : DEFAULT_ESTIMATE_MS;
}

/** Longest chain among `durations` (zero-length nodes allowed) and its nodes. */
function longestChain(g: Graph, durations: Float64Array): { length: number; path: string[] } {
  const prio = priorities(g, durations);
  let best = -1;
  for (let i = 0; i < prio.length; i++) if (durations[i]! > 0 && (best < 0 || prio[i]! > prio[best]!)) best = i;
  if (best < 0) return { length: 0, path: [] };
  const path: string[] = [];
  for (let cur = best; cur >= 0;) {
    if (durations[cur]! > 0) path.push(g.ids[cur]!);
    let next = -1;
    for (const d of g.dependents[cur]!) if (next < 0 || prio[d]! > prio[next]!) next = d;
    cur = next;
  }
  return { length: prio[best]!, path };
}

export function runTiming(plan: Plan, g: Graph, s: State, now: number): RunTiming {
  const fallback = meanDoneMs(s);
  const byId = new Map(plan.tasks.map((t) => [t.id, t]));
  const durations = new Float64Array(g.ids.length);
  const remaining = new Float64Array(g.ids.length);
  let overrun = false;
  g.ids.forEach((id, i) => {
    const t = s.tasks[id];
    const est = s.meta.learned[id] ?? byId.get(id)?.estimateMs ?? fallback;
    if (t?.status === 'done') {
      durations[i] = t.durationMs ?? est;
      return;
    }
    durations[i] = est;
    if (!t || t.status === 'failed' || t.status === 'blocked') return; // will not run unless retried
    const ran = t.status === 'running' && t.startedAt ? now - t.startedAt : 0;
    if (ran > est) overrun = true;
    // An attempt running past its estimate still needs a moment: never count it as finished.
    remaining[i] = t.status === 'running' ? Math.max(est - ran, Math.min(est, 250)) : est;
  });
  const cp = g.ids.length ? criticalPath(g, durations) : { length: 0, path: [] };
  const agents = Math.max(1, plan.agents.length);
  const running = s.meta.status === 'running';
  const chain = longestChain(g, remaining);
  let total = 0;
  for (const r of remaining) total += r;
  return {
    durations,
    criticalPath: cp.path,
    criticalMs: cp.length,
    lowerBoundMs: lowerBound(durations, cp.length, agents),
    makespanMs: runMakespanMs(s, running ? now : undefined),
    elapsedMs: Math.max(0, (running ? now : s.meta.finishedAt ?? now) - s.meta.startedAt),
    etaMs: running ? Math.max(chain.length, total / agents) : undefined,
    etaPath: chain.path,
    etaOverrun: running && overrun,
  };
}
