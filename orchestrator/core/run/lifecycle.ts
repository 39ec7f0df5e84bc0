/**
 * A run's life outside claim/finish: creating or resuming its state from a plan, a worker
 * group stopping, a user retrying a failed task, pausing. Pure functions.
 */
import { randomUUID } from 'node:crypto';
import { emptyState } from '../../../state/ops.js';
import type { AgentState, GroupState, State, TaskState } from '../../../state/schema.js';
import type { RunContext } from '../graph/context.js';
import type { Draft } from './draft.js';
import { downstream } from '../graph/graph.js';
import type { ProcessGroupRef } from './process-group-ref.js';
import { checkFinished, expireLeases, heartbeat, promote } from './transitions.js';

/** Durations of tasks that finished in an earlier state: better estimates for priorities. */
export function learnedDurations(prev: State | undefined): Record<string, number> {
  const out: Record<string, number> = { ...prev?.meta.learned };
  for (const t of Object.values(prev?.tasks ?? {})) if (t.status === 'done' && t.durationMs !== undefined) out[t.id] = t.durationMs;
  return out;
}

/**
 * The state a run starts from. Resuming `prev`: a done task whose hash (its definition and
 * everything upstream) is unchanged stays done; everything else starts again from pending.
 */
export function initialState(ctx: RunContext, hashes: Map<string, string>, now: number, prev?: State): State {
  const s = emptyState(now);
  s.meta = {
    ...s.meta, runId: randomUUID(), planName: ctx.plan.name, planFile: ctx.plan.file,
    planHash: [...hashes.values()].join('').slice(0, 64), learned: learnedDurations(prev),
    createdAt: prev?.meta.createdAt ?? now, fence: prev?.meta.fence ?? 0,
    // A usage-limit pause and what agents spent outlive a restart of the run.
    ...(prev?.meta.agentPauses && { agentPauses: prev.meta.agentPauses }),
    ...(prev?.meta.agentTokens !== undefined && { agentTokens: prev.meta.agentTokens }),
  };
  for (const def of ctx.plan.tasks) {
    const old = prev?.tasks[def.id];
    const hash = hashes.get(def.id)!;
    const keep = old && old.status === 'done' && old.hash === hash;
    // An unchanged agent task keeps its session (it resumes), tokens and pause.
    const ai = old?.ai && old.hash === hash ? { ...old.ai, state: old.ai.state === 'paused' ? ('paused' as const) : ('working' as const) } : undefined;
    const t: TaskState = keep ? { ...old } : { id: def.id, status: 'pending', hash, attempts: 0, ...(ai && { ai }), ...(ai?.until && { notBefore: ai.until }) };
    s.tasks[def.id] = t;
  }
  for (const t of Object.values(s.tasks)) {
    const def = ctx.tasks.get(t.id)!;
    if (t.status === 'pending' && def.needs.every((n) => s.tasks[n]?.status === 'done')) {
      s.tasks[t.id] = { ...t, status: 'ready', readyAt: now };
    }
  }
  for (const a of ctx.plan.agents) {
    const agent: AgentState = { name: a.name, quad: a.quad, status: 'idle', since: now, done: 0 };
    s.agents[a.name] = agent;
  }
  for (const q of ctx.plan.quads) {
    // Stamped as if alive: its agents are offered their role's tasks while the process starts.
    const g: GroupState = { quad: q.id, status: 'starting', restarts: 0, heartbeatAt: now };
    s.groups[String(q.id)] = g;
  }
  if (Object.values(s.tasks).every((t) => t.status === 'done')) {
    s.meta.status = 'finished';
    s.meta.finishedAt = now;
  }
  return s;
}

/**
 * A group stops (its process exits or is being stopped): its running attempts go back to
 * ready without counting against the task, and its agents leave.
 */
export function groupStopped(d: Draft, quad: number, agents: readonly string[], why: 'finished' | 'stopped'): void {
  for (const name of agents) {
    const a = d.agent(name);
    if (!a) continue;
    const t = a.task ? d.task(a.task) : undefined;
    if (t?.status === 'running' && t.agent === name) {
      d.setTask({ ...t, status: 'ready', attempts: Math.max(0, t.attempts - 1), readyAt: d.now, agent: undefined, leaseUntil: undefined, pgid: undefined, pgidStart: undefined, reason: 'interrupted' });
      d.event({ type: 'requeued', task: t.id, agent: name, reason: 'interrupted' });
    }
    d.setAgent({ ...a, status: why === 'finished' ? 'done' : 'idle', task: undefined, since: d.now });
  }
  const g = d.group(quad);
  d.setGroup({ quad, restarts: 0, ...g, status: why });
  d.event({ type: 'group-exited', quad, reason: why });
}

/** Ctrl-C / SIGTERM of the whole run. */
export function interruptRun(d: Draft, reason?: string): void {
  if (d.meta.status !== 'running') return;
  d.setMeta({ status: 'interrupted', finishedAt: d.now, paused: false });
  d.event({ type: 'run-interrupted', ...(reason ? { reason } : {}) });
}

/** `orchestrator retry ID`: a failed task is ready again and its blocked dependents pending. */
export function retryTask(d: Draft, ctx: RunContext, id: string): string[] {
  const t = d.task(id);
  if (!t) throw new Error(`no task ${id} in this run`);
  if (t.status !== 'failed') throw new Error(`task ${id} is ${t.status}, not failed; only failed tasks can be retried`);
  d.setTask({ ...t, status: 'pending', attempts: 0, lost: 0, reason: undefined, exitCode: undefined, signal: undefined, notBefore: undefined, commit: undefined, merge: undefined });
  d.event({ type: 'task-reset', task: id });
  const g = ctx.graph;
  const otherFailed = d.taskIds().filter((o) => o !== id && d.task(o)!.status === 'failed').map((o) => g.index.get(o)!);
  const stillBlocked = downstream(g, otherFailed);
  const unblocked: string[] = [];
  for (const j of downstream(g, [g.index.get(id)!])) {
    const o = d.task(g.ids[j]!);
    if (o?.status !== 'blocked' || stillBlocked.has(j)) continue;
    d.setTask({ ...o, status: 'pending', reason: undefined });
    d.event({ type: 'unblocked', task: o.id });
    unblocked.push(o.id);
  }
  promote(d, ctx, [id, ...unblocked]);
  if (d.meta.status !== 'running') d.setMeta({ status: 'running', finishedAt: undefined });
  checkFinished(d);
  return unblocked;
}

export function setPaused(d: Draft, paused: boolean): void {
  if (d.meta.paused === paused) return;
  d.setMeta({ paused });
  d.event({ type: paused ? 'paused' : 'resumed' });
}

/**
 * A group process (re)starts: whatever an earlier incarnation of it was running is requeued
 * (returned: the orphaned process groups to end), its agents are idle, its heartbeat fresh.
 */
export function groupStarted(d: Draft, ctx: RunContext, quad: number, pid: number, agents: readonly string[]): ProcessGroupRef[] {
  const orphans = expireLeases(d, ctx, new Set([quad]));
  heartbeat(d, quad, pid, agents);
  for (const name of agents) {
    const a = d.agent(name);
    if (a && (a.status !== 'idle' || a.task)) d.setAgent({ ...a, status: 'idle', task: undefined, since: d.now });
  }
  d.event({ type: 'group-started', quad, reason: `pid ${pid}` });
  return orphans;
}
