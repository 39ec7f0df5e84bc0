/**
 * `run --dry-run`: what a run would do, without running anything: the order in which tasks
 * start and the agent each goes to, simulated with the scheduler itself and each task's
 * estimate, and the lower bound. Pure.
 */
import type { RunContext } from '../graph/context.js';
import { schedule, type ReadyTask } from './scheduler.js';

export interface DryRunStep {
  task: string;
  agent: string;
  startMs: number;
  estimateMs: number;
}

export interface DryRun {
  steps: DryRunStep[];
  /** The simulated makespan (estimates only). */
  makespanMs: number;
  lowerBoundMs: number;
  criticalPath: string[];
}

export function dryRun(ctx: RunContext): DryRun {
  const plan = ctx.plan;
  const est = new Map(plan.tasks.map((t, i) => [t.id, ctx.durations[i]!]));
  const done = new Set<string>();
  const started = new Set<string>();
  const running: Array<{ task: string; agent: string; end: number }> = [];
  const steps: DryRunStep[] = [];
  const quadOf = new Map(plan.agents.map((a) => [a.name, a.quad]));
  let now = 0;
  while (done.size < plan.tasks.length) {
    const ready: ReadyTask[] = plan.tasks
      .filter((t) => !started.has(t.id) && t.needs.every((n) => done.has(n)))
      .map((t) => ({ id: t.id, priority: ctx.prio[ctx.graph.index.get(t.id)!] ?? 0, index: t.index, ...(t.role !== undefined && { role: t.role }) }));
    // As claimFor offers them: round-robin from the least loaded quad.
    const busy = new Map<number, number>();
    for (const r of running) busy.set(quadOf.get(r.agent)!, (busy.get(quadOf.get(r.agent)!) ?? 0) + 1);
    const seen = new Map<number, number>();
    const idle = plan.agents
      .filter((a) => !running.some((r) => r.agent === a.name))
      .map((a, i) => {
        const rank = seen.get(a.quad) ?? 0;
        seen.set(a.quad, rank + 1);
        return { a, i, load: (busy.get(a.quad) ?? 0) + rank };
      })
      .sort((x, y) => x.load - y.load || x.a.quad - y.a.quad || x.i - y.i)
      .map(({ a }) => a);
    for (const a of schedule(ready, idle)) {
      const e = est.get(a.task)!;
      started.add(a.task);
      running.push({ task: a.task, agent: a.agent, end: now + e });
      steps.push({ task: a.task, agent: a.agent, startMs: now, estimateMs: e });
    }
    if (!running.length) break; // nothing can start: unreachable for a valid plan
    running.sort((a, b) => a.end - b.end);
    now = running[0]!.end;
    while (running.length && running[0]!.end <= now) done.add(running.shift()!.task);
  }
  return { steps, makespanMs: now, lowerBoundMs: ctx.lowerBoundMs, criticalPath: ctx.critical.path };
}
