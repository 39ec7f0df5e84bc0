/**
 * State transitions of a run, as pure functions over a Draft: claim, finish, heartbeat, lease
 * expiry, interruption, retry. The workers, the control process and the CLI run them inside
 * store transactions; tests run them directly.
 */
import type { TaskState } from '../../../state/schema.js';
import { compactTask } from '../../../state/compact.js';
import { priorityOf, type RunContext } from '../graph/context.js';
import type { ProcessGroupRef } from './process-group-ref.js';
import type { Draft } from './draft.js';
import { candidates, roleCounts, schedule, type IdleAgent, type ReadyTask } from './scheduler.js';
import { agentHeld, freeAttempts } from './agent-holds.js';
import { groupDigits } from '../agents/attempt.js';

/** A claim holds its task this long unless renewed by the agent's heartbeat. */
export const LEASE_MS = 10_000;
export const HEARTBEAT_MS = 1000;
/** A group whose heartbeat is older than this is not offered work. */
export const STALE_HEARTBEAT_MS = 3 * HEARTBEAT_MS;
/** Retry delays: 500 ms, 1 s, 2 s, … capped. */
export const RETRY_BASE_MS = 500;
export const RETRY_CAP_MS = 30_000;

export function retryDelay(failedAttempts: number): number {
  return Math.min(RETRY_CAP_MS, RETRY_BASE_MS * 2 ** Math.max(0, failedAttempts - 1));
}

export interface Claim {
  task: string;
  agent: string;
  attempt: number;
  fence: number;
  /** The run the claim was made in: a result reported into another run's state is stale. */
  run: string;
}

export interface Report {
  task: string;
  agent: string;
  fence: number;
  /** The claim's run (Claim.run); a state replaced meanwhile (reset, --fresh) refuses the result. */
  run?: string;
  ok: boolean;
  exitCode?: number | null;
  signal?: string | null;
  durationMs: number;
  tail?: string[];
  reason?: string;
  /** Worktree mode: what became of the task's work in git. */
  git?: GitReport;
}

export interface GitReport {
  branch: string;
  commit?: string;
  merge?: string;
  /** The merge conflicted: the tasks whose merged work it collides with (`reason` says where). */
  conflictWith?: string[];
}


/** Tasks among `ids` whose needs are all done become ready. */
export function promote(d: Draft, ctx: RunContext, ids: Iterable<string>): void {
  for (const id of ids) {
    const t = d.task(id);
    if (t?.status !== 'pending') continue;
    const def = ctx.tasks.get(id);
    if (def && def.needs.every((n) => d.task(n)?.status === 'done')) {
      d.setTask({ ...t, status: 'ready', readyAt: d.now });
    }
  }
}

export function dependentsOf(ctx: RunContext, id: string): string[] {
  const i = ctx.graph.index.get(id);
  return i === undefined ? [] : ctx.graph.dependents[i]!.map((j) => ctx.graph.ids[j]!);
}

export function isGroupLive(d: Draft, quad: number): boolean {
  const g = d.group(quad);
  return !!g && (g.status === 'running' || g.status === 'starting') && d.now - (g.heartbeatAt ?? 0) <= STALE_HEARTBEAT_MS;
}

/** The scheduler's view of each task, built once per context (claims run per transaction). */
const readyViews = new WeakMap<RunContext, Map<string, ReadyTask>>();

function readyView(ctx: RunContext): Map<string, ReadyTask> {
  let m = readyViews.get(ctx);
  if (!m) {
    m = new Map(ctx.plan.tasks.map((def) => [def.id, { id: def.id, priority: priorityOf(ctx, def.id), index: def.index, role: def.role }]));
    readyViews.set(ctx, m);
  }
  return m;
}

export function readyNow(d: Draft, ctx: RunContext): ReadyTask[] {
  const out: ReadyTask[] = [];
  const views = readyView(ctx);
  for (const id of d.readyIds()) {
    const t = d.task(id)!;
    if ((t.notBefore ?? 0) > d.now) continue;
    if (agentHeld(d, ctx, id)) continue;
    const v = views.get(id);
    if (v) out.push(v);
  }
  return out;
}

/**
 * Idle agents in the order the scheduler should prefer them: the least loaded quad first,
 * round-robin (its 1st idle agent, then the next quad's 1st, ...). With fewer ready tasks than
 * agents, the work spreads over the worker groups instead of filling quad 1 (a 9-task plan ran
 * entirely on quad 1 before). Stable within a quad: plan order.
 */
function spreadAcrossQuads(d: Draft, idle: IdleAgent[]): IdleAgent[] {
  const busy = new Map<number, number>();
  for (const name of d.agentNames()) {
    const a = d.agent(name)!;
    if (a.status !== 'idle') busy.set(a.quad, (busy.get(a.quad) ?? 0) + 1);
  }
  const seen = new Map<number, number>();
  const keyed = idle.map((a, i) => {
    const q = d.agent(a.name)!.quad;
    const rank = seen.get(q) ?? 0;
    seen.set(q, rank + 1);
    return { a, load: (busy.get(q) ?? 0) + rank, q, i };
  });
  return keyed.sort((x, y) => x.load - y.load || x.q - y.q || x.i - y.i).map((k) => k.a);
}

/** Claims the tasks the scheduler gives to `mine` (idle agents of the calling group). */
export function claimFor(d: Draft, ctx: RunContext, quad: number, mine: readonly string[]): Claim[] {
  if (d.meta.paused || d.meta.status !== 'running') return [];
  if (ctx.plan.budgetTokens !== undefined) enforceRunBudget(d, ctx);
  const idle: IdleAgent[] = [];
  for (const name of d.agentNames()) {
    const a = d.agent(name)!;
    if (a.status !== 'idle') continue;
    // Siblings in this group are alive by definition; other groups only with a fresh heartbeat.
    if (a.quad !== quad && !isGroupLive(d, a.quad)) continue;
    idle.push({ name, roles: ctx.agents.get(name)?.roles ?? [] });
  }
  const claims: Claim[] = [];
  if (!idle.some((a) => mine.includes(a.name))) return claims;
  const ready = readyNow(d, ctx);
  const spread = spreadAcrossQuads(d, idle);
  for (const { task, agent } of schedule(candidates(ready, spread), spread, roleCounts(ready))) {
    if (!mine.includes(agent)) continue;
    const t = d.task(task)!;
    const a = d.agent(agent)!;
    const fence = d.meta.fence + 1;
    const attempt = t.attempts + 1;
    d.setMeta({ fence });
    d.setTask({
      ...t, status: 'running', agent, quad, fence, attempts: attempt, leaseUntil: d.now + LEASE_MS,
      claimedAt: d.now, startedAt: d.now, finishedAt: undefined, notBefore: undefined, pgid: undefined, pgidStart: undefined, reason: undefined,
    });
    d.setAgent({ ...a, status: attempt > 1 ? 'retrying' : 'running', task, since: d.now });
    d.event({ type: 'claimed', task, agent, quad, attempt, fence, readyAt: Math.max(t.readyAt ?? 0, t.notBefore ?? 0), freeAt: a.since });
    claims.push({ task, agent, attempt, fence, run: d.meta.runId });
  }
  return claims;
}

/**
 * Records a running attempt's process group (for orphan cleanup) with its leader's start time:
 * a group is signalled later only while that same leader lives (a reused id is not ours).
 */
export function started(d: Draft, task: string, fence: number, group: ProcessGroupRef | undefined): void {
  const t = d.task(task);
  if (t?.status === 'running' && t.fence === fence && group?.pgid) d.setTask({ ...t, pgid: group.pgid, pgidStart: group.start });
}

/** Records a result; one reported with a stale fencing token is rejected. Returns whether it counted. */
export function finish(d: Draft, ctx: RunContext, r: Report): boolean {
  const t = d.task(r.task);
  const a = d.agent(r.agent);
  if (a && a.task === r.task) d.setAgent({ ...a, status: 'idle', task: undefined, since: d.now, done: a.done + (r.ok ? 1 : 0) });
  const otherRun = r.run !== undefined && r.run !== d.meta.runId;
  if (!t || t.status !== 'running' || t.fence !== r.fence || otherRun) {
    const why = otherRun ? `claimed in run ${r.run}, this is run ${d.meta.runId}` : `current fence ${t?.fence ?? 'none'}, status ${t?.status ?? 'unknown'}`;
    d.event({ type: 'stale-result-rejected', task: r.task, agent: r.agent, fence: r.fence, reason: why });
    return false;
  }
  const base: TaskState = {
    ...t, leaseUntil: undefined, pgid: undefined, pgidStart: undefined, finishedAt: d.now, durationMs: r.durationMs,
    exitCode: r.exitCode, signal: r.signal, tail: r.tail, reason: r.reason,
  };
  const ev = { task: r.task, agent: r.agent, quad: t.quad, attempt: t.attempts, fence: r.fence, exitCode: r.exitCode, signal: r.signal, durationMs: r.durationMs };
  const g = r.git;
  if (g) Object.assign(base, { branch: g.branch, commit: g.commit, merge: g.merge });
  if (r.ok) {
    // Done: its output is in its log; the record keeps a fixed few fields (state/compact.ts).
    d.setTask(compactTask({ ...base, status: 'done', reason: g && !g.commit ? 'no changes' : undefined }));
    if (g?.merge) d.event({ type: 'merged', task: r.task, agent: r.agent, commit: g.merge, reason: `into the integration branch` });
    d.event({ type: 'finished', ...ev });
    promote(d, ctx, dependentsOf(ctx, r.task));
  } else {
    const def = ctx.tasks.get(r.task);
    if (g?.conflictWith) {
      // Kept for inspection, not retried: `orchestrator retry` re-creates it on the new tip.
      d.event({ type: 'conflict', task: r.task, agent: r.agent, reason: r.reason, with: g.conflictWith.join(' ') });
      failForGood(d, ctx, base, r.reason ?? 'merge conflict');
      d.event({ type: 'failed', ...ev, reason: r.reason });
    } else if (def && t.attempts - freeAttempts(t) <= def.retries) {
      d.setTask({ ...base, status: 'ready', readyAt: d.now, notBefore: d.now + retryDelay(t.attempts) });
      d.event({ type: 'retried', ...ev, reason: r.reason });
    } else {
      failForGood(d, ctx, base, r.reason ?? 'failed');
      d.event({ type: 'failed', ...ev, reason: r.reason });
    }
  }
  checkFinished(d);
  return true;
}

/** Fails a task permanently and blocks everything downstream of it. */
export function failForGood(d: Draft, ctx: RunContext, t: TaskState, reason: string): void {
  d.setTask(compactTask({ ...t, status: 'failed', reason, leaseUntil: undefined, pgid: undefined, pgidStart: undefined, finishedAt: t.finishedAt ?? d.now }));
  d.alert({ level: 'warning', kind: 'task-failed', message: `${t.id} failed for good: ${reason}`, task: t.id });
  const i = ctx.graph.index.get(t.id);
  if (i === undefined) return;
  const stack = [i];
  const seen = new Set<number>();
  while (stack.length) {
    for (const j of ctx.graph.dependents[stack.pop()!]!) {
      if (seen.has(j)) continue;
      seen.add(j);
      stack.push(j);
      const dep = d.task(ctx.graph.ids[j]!);
      if (dep && (dep.status === 'pending' || dep.status === 'ready')) {
        d.setTask(compactTask({ ...dep, status: 'blocked', reason: `blocked: needs ${t.id}, which failed`, notBefore: undefined }));
        d.event({ type: 'blocked', task: dep.id, reason: `needs ${t.id}, which failed` });
      }
    }
  }
}

/** The run is finished when nothing is pending, ready or running. */
export function checkFinished(d: Draft): boolean {
  if (d.meta.status !== 'running') return d.meta.status === 'finished';
  if (d.anyActive()) return false;
  d.setMeta({ status: 'finished', finishedAt: d.now, paused: false });
  d.event({ type: 'run-finished' });
  return true;
}

/** A group's heartbeat: proves it alive and renews the leases of its agents' tasks. */
export function heartbeat(d: Draft, quad: number, pid: number, agents: readonly string[]): void {
  const g = d.group(quad);
  d.setGroup({ quad, restarts: 0, ...g, status: 'running', pid, heartbeatAt: d.now, startedAt: g?.startedAt ?? d.now });
  for (const name of agents) {
    const task = d.agent(name)?.task;
    const t = task ? d.task(task) : undefined;
    if (t?.status === 'running' && t.agent === name) d.setTask({ ...t, leaseUntil: d.now + LEASE_MS });
  }
}

/** How many times a task may lose its worker before it is failed rather than requeued. */
export function maxLosses(ctx: RunContext, id: string): number {
  return Math.max(2, (ctx.tasks.get(id)?.retries ?? 0) + 1);
}

/**
 * Running tasks whose lease ran out, or whose group is known dead, become ready again
 * (attempts kept). Returns the process groups of their orphaned attempts, to be ended (each
 * only if its leader is still the recorded process: see group-ref.ts).
 *
 * Whatever it changed, it then asks whether the run is over: a task that fails for good here
 * (it lost its worker too often) may have been the last thing to do, whether or not its
 * process group was ever recorded (a task that kills its worker at once leaves none).
 */
export function expireLeases(d: Draft, ctx: RunContext, deadQuads: ReadonlySet<number> = new Set()): ProcessGroupRef[] {
  const orphans: ProcessGroupRef[] = [];
  let changed = false;
  for (const id of d.runningIds()) {
    const t = d.task(id)!;
    const dead = t.quad !== undefined && deadQuads.has(t.quad);
    if (!dead && (t.leaseUntil ?? 0) >= d.now) continue;
    changed = true;
    if (t.pgid) orphans.push({ pgid: t.pgid, start: t.pgidStart });
    const a = t.agent ? d.agent(t.agent) : undefined;
    if (a?.task === id) d.setAgent({ ...a, status: dead ? 'dead' : 'idle', task: undefined, since: d.now });
    const lost = (t.lost ?? 0) + 1;
    const why = dead ? `group ${t.quad} died` : 'lease expired';
    d.event({ type: 'lease-expired', task: id, agent: t.agent, quad: t.quad, attempt: t.attempts, fence: t.fence, reason: why });
    if (lost >= maxLosses(ctx, id)) {
      failForGood(d, ctx, { ...t, lost, finishedAt: d.now }, `its worker was lost ${lost} times (${why})`);
    } else {
      d.setTask({ ...t, status: 'ready', lost, readyAt: d.now, agent: undefined, leaseUntil: undefined, pgid: undefined, pgidStart: undefined, reason: why });
      d.event({ type: 'requeued', task: id, reason: why });
    }
  }
  if (changed) checkFinished(d);
  return orphans;
}

/** The run budget is spent: ready agent tasks fail with the reason (nothing new starts). Returns whether it is. */
export function enforceRunBudget(d: Draft, ctx: RunContext): boolean {
  const budget = ctx.plan.budgetTokens;
  const used = d.meta.agentTokens ?? 0;
  if (budget === undefined || used <= budget) return false;
  const reason = `run token budget ${groupDigits(budget)} exhausted (${groupDigits(used)} used): no new agent task starts`;
  let any = false;
  for (const id of d.readyIds()) {
    if (!ctx.tasks.get(id)?.agent) continue;
    if (!any) d.event({ type: 'agent-budget', task: id, tokens: used, reason });
    any = true;
    failForGood(d, ctx, d.task(id)!, reason);
    d.event({ type: 'failed', task: id, reason });
  }
  if (any) checkFinished(d);
  return true;
}
