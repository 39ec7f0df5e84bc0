/**
 * What the keep-alive monitor records about worker groups, as pure functions over a Draft:
 * a failure (its leases expired at once, its agents dead, alerts), a restart, a launch, and
 * the run stopping when no group is left to carry it.
 */
import type { RunContext } from '../graph/context.js';
import type { Draft } from './draft.js';
import type { Health } from '../supervision/health.js';
import type { ProcessGroupRef } from './process-group-ref.js';
import { groupStopped, interruptRun } from './lifecycle.js';
import type { RestartDecision } from '../supervision/restart-policy.js';
import { expireLeases } from './transitions.js';

export type Failure = Extract<Health, 'crashed' | 'crash-looping' | 'hung'>;

/** Statuses after which the monitor leaves a group alone for the rest of the run. */
export const TERMINAL_GROUP = new Set(['finished', 'stopped', 'failed']);

export function describeFailure(health: Failure, heartbeatAgeMs?: number): string {
  if (health === 'hung') return `hung (no heartbeat for ${((heartbeatAgeMs ?? 0) / 1000).toFixed(1)}s; killed)`;
  return health === 'crash-looping' ? 'died again soon after a restart' : 'died';
}

/**
 * A group died or hung. Its running tasks are ready again now (attempts kept; one that has
 * lost its worker too often fails for good), its agents are dead, and the alerts say what
 * happens next. Returns the process groups of the orphaned attempts, to be ended.
 */
export function groupFailed(d: Draft, ctx: RunContext, quad: number, health: Failure, decision: RestartDecision, pid: number | undefined, what: string): ProcessGroupRef[] {
  const orphans = expireLeases(d, ctx, new Set([quad]));
  for (const name of d.agentNames()) {
    const a = d.agent(name)!;
    if (a.quad === quad && a.status !== 'dead') d.setAgent({ ...a, status: 'dead', task: undefined, since: d.now });
  }
  const cur = d.group(quad) ?? { quad, status: 'dead' as const, restarts: 0 };
  const giveUp = decision.action === 'give-up';
  d.setGroup({
    ...cur, status: giveUp ? 'failed' : health === 'hung' ? 'hung' : 'dead', restarts: giveUp ? decision.restarts : cur.restarts,
    restartAt: giveUp ? undefined : d.now + decision.delayMs,
  });
  const next = giveUp ? 'giving up' : `restart ${decision.attempt} in ${decision.delayMs / 1000}s`;
  d.alert({ level: 'warning', kind: health === 'hung' ? 'group-hung' : 'group-crashed', message: `quad ${quad} (pid ${pid ?? '?'}) ${what}; ${next}`, quad });
  d.event({ type: 'group-exited', quad, reason: `${health}${pid ? ` (pid ${pid})` : ''}` });
  if (giveUp) {
    d.alert({ level: 'critical', kind: 'group-given-up', message: `quad ${quad} failed after ${decision.restarts} restarts; given up — the other groups carry the run`, quad });
    d.event({ type: 'group-failed', quad, reason: `${decision.restarts} restarts used` });
  }
  noGroupLeft(d, ctx);
  return orphans;
}

/** Recorded just before the new process is started, so the count survives a monitor restart. */
export function groupRestarting(d: Draft, quad: number, attempt: number): void {
  const cur = d.group(quad) ?? { quad, status: 'dead' as const, restarts: 0 };
  d.setGroup({ ...cur, status: 'restarting', pid: undefined, restarts: attempt, lastRestartAt: d.now, startedAt: d.now, restartAt: undefined });
  d.alert({ level: 'info', kind: 'group-restarted', message: `quad ${quad} restarted (restart ${attempt})`, quad });
  d.event({ type: 'group-restarted', quad, reason: `restart ${attempt}` });
}

/** The new (or first) process of a group exists: remember its pid until it heartbeats itself. */
export function groupSpawned(d: Draft, quad: number, pid: number | undefined, first: boolean): void {
  const cur = d.group(quad);
  if (!cur || !pid) return;
  if (first) d.setGroup({ ...cur, pid, startedAt: d.now });
  else if (cur.status === 'restarting' && cur.pid === undefined) d.setGroup({ ...cur, pid });
}

/**
 * Every group has been given up or stopped while work remains: nothing can run it, so the run
 * is interrupted (a later `run` resumes it) with an alert instead of waiting forever.
 */
export function noGroupLeft(d: Draft, ctx: RunContext): boolean {
  if (d.meta.status !== 'running') return false;
  const groups = ctx.plan.quads.map((q) => d.group(q.id));
  if (!groups.every((g) => g && TERMINAL_GROUP.has(g.status))) return false;
  const failed = groups.filter((g) => g!.status === 'failed').length;
  d.alert({
    level: failed ? 'critical' : 'warning', kind: 'run-stalled',
    message: `no worker group left (${failed} given up, ${groups.length - failed} stopped); run interrupted — \`orchestrator run\` resumes it`,
  });
  interruptRun(d);
  return true;
}

/**
 * The run was stopped (Ctrl-C, SIGTERM, SIGHUP, `orchestrator stop`, the tmux session killed)
 * and its workers are gone: every group still on the books is stopped, its running tasks handed
 * back without counting against them (a worker that could not do it itself loses nothing), and
 * the run is interrupted. Idempotent; nothing changes for a finished run.
 */
export function runStopped(d: Draft): void {
  // An interrupted run may still have groups and tasks on the books as running (a worker that
  // was killed before it could hand its tasks back): they are settled all the same.
  if (d.meta.status === 'finished') return;
  for (const g of Object.values(d.base.groups)) {
    if (TERMINAL_GROUP.has(g.status)) continue;
    groupStopped(d, g.quad, d.agentNames().filter((n) => d.agent(n)!.quad === g.quad), 'stopped');
  }
  interruptRun(d);
}
