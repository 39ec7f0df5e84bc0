/**
 * What every process of a run derives once from the plan: the graph, task priorities
 * (critical-path length with learned durations), agent roles. Pure; rebuilt when the
 * learned durations change.
 */
import { buildGraph, criticalPath, lowerBound, priorities, type Graph } from './graph.js';
import type { AgentDef, Plan, TaskDef } from '../plan/plan-types.js';

/** Assumed duration of a task never run before (only relative sizes matter for priorities). */
export const DEFAULT_ESTIMATE_MS = 1000;

export interface RunContext {
  plan: Plan;
  graph: Graph;
  tasks: Map<string, TaskDef>;
  agents: Map<string, AgentDef>;
  durations: Float64Array;
  prio: Float64Array;
  critical: { length: number; path: string[] };
  lowerBoundMs: number;
}

export function estimateOf(t: TaskDef, learned: Readonly<Record<string, number>>): number {
  return learned[t.id] ?? t.estimateMs ?? DEFAULT_ESTIMATE_MS;
}

export function buildContext(plan: Plan, learned: Readonly<Record<string, number>> = {}): RunContext {
  const graph = buildGraph(plan.tasks);
  const durations = Float64Array.from(plan.tasks, (t) => estimateOf(t, learned));
  const prio = priorities(graph, durations);
  const critical = criticalPath(graph, durations, prio);
  return {
    plan,
    graph,
    tasks: new Map(plan.tasks.map((t) => [t.id, t])),
    agents: new Map(plan.agents.map((a) => [a.name, a])),
    durations,
    prio,
    critical,
    lowerBoundMs: lowerBound(durations, critical.length, plan.agents.length),
  };
}

export function priorityOf(ctx: RunContext, id: string): number {
  const i = ctx.graph.index.get(id);
  return i === undefined ? 0 : ctx.prio[i]!;
}
