/**
 * A benchmark workload: a task graph with a nominal duration per task, the same graph given
 * to the orchestrator (as a plan) and to GNU make (as a Makefile). Pure data and arithmetic.
 */
import { buildGraph, criticalPath, lowerBound, priorities } from '../orchestrator/core/graph/graph.js';

export interface BenchTask {
  id: string;
  needs: string[];
  /** Nominal duration: what the command sleeps (0 for `true`). */
  ms: number;
  /** Shell command; `sleep <ms/1000>` or `true`. */
  run: string;
}

export interface Workload {
  name: string;
  /** One line saying what the graph is. */
  about: string;
  tasks: BenchTask[];
}

export interface Bound {
  /** Longest duration-weighted chain. */
  criticalMs: number;
  totalMs: number;
  /** max(critical path, total work / agents): no schedule on `agents` agents finishes sooner. */
  lowerBoundMs: number;
}

export function boundOf(tasks: readonly BenchTask[], agents: number): Bound {
  const g = buildGraph(tasks);
  const d = Float64Array.from(tasks, (t) => t.ms);
  const cp = criticalPath(g, d, priorities(g, d));
  const totalMs = tasks.reduce((s, t) => s + t.ms, 0);
  return { criticalMs: cp.length, totalMs, lowerBoundMs: lowerBound(d, cp.length, agents) };
}

/** The command of a task that takes `ms`: `true` for nothing, else a sleep. */
export function commandFor(ms: number): string {
  return ms <= 0 ? 'true' : `sleep ${(ms / 1000).toFixed(3).replace(/\.?0+$/, '')}`;
}

export function task(id: string, ms: number, needs: string[] = []): BenchTask {
  return { id, needs, ms, run: commandFor(ms) };
}
