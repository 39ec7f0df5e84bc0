/**
 * What the CLI prints about a run: counts, the task table, the agent table, the makespan next
 * to the lower bound, the exit code. Pure functions of the state (and the plan when known).
 */
import { table } from './table.js';
import type { State, TaskStatus } from '../../../state/schema.js';
import { TASK_STATUSES } from '../../../state/schema.js';
import { buildGraph, criticalPath, lowerBound, priorities } from '../graph/graph.js';
import { formatDuration } from './duration.js';
import type { Plan } from '../plan/plan-types.js';
import { claimedThisRun, runMakespanMs } from '../run/run-span.js';
import { tokenTotal } from '../agents/events.js';
import { groupDigits } from '../agents/attempt.js';

/** Tokens and cost per agent task and in total (empty when the run has no agent task). */
export function agentUsageLines(s: State): string[] {
  const rows = Object.values(s.tasks).filter((t) => t.ai);
  if (!rows.length) return [];
  let tokens = 0;
  let cost = 0;
  const body = rows.map((t) => {
    const a = t.ai!;
    tokens += tokenTotal(a.tokens);
    cost += a.costUsd ?? 0;
    return [t.id, a.cli, String(a.turns), groupDigits(tokenTotal(a.tokens)), a.costUsd !== undefined ? `$${a.costUsd.toFixed(4)}` : '', a.session ?? ''];
  });
  return [...table(body, ['TASK', 'CLI', 'TURNS', 'TOKENS', 'COST', 'SESSION']), `agents: ${groupDigits(tokens)} tokens${cost ? `, $${cost.toFixed(4)} estimated` : ''} in total`];
}

export function counts(s: State): Record<TaskStatus, number> {
  const c = Object.fromEntries(TASK_STATUSES.map((k) => [k, 0])) as Record<TaskStatus, number>;
  for (const t of Object.values(s.tasks)) c[t.status]++;
  return c;
}

/** 0 all done, 1 something failed or blocked, 130 interrupted (or stopped before the end). */
export function exitCodeFor(s: State): number {
  const c = counts(s);
  if (c.failed || c.blocked) return 1;
  if (s.meta.status === 'finished' && c.done === Object.keys(s.tasks).length) return 0;
  return 130;
}

export function statusJson(s: State): object {
  return {
    plan: s.meta.planName,
    runId: s.meta.runId,
    status: s.meta.status,
    paused: s.meta.paused,
    startedAt: s.meta.startedAt,
    finishedAt: s.meta.finishedAt ?? null,
    counts: counts(s),
    tasks: Object.values(s.tasks).map((t) => ({
      id: t.id, status: t.status, agent: t.agent ?? null, attempts: t.attempts, startedAt: t.startedAt ?? null,
      finishedAt: t.finishedAt ?? null, exitCode: t.exitCode ?? null, durationMs: t.durationMs ?? null, reason: t.reason ?? null,
      ...(t.branch !== undefined && { branch: t.branch, commit: t.commit ?? null, merge: t.merge ?? null }),
      ...(t.ai && { ai: { ...t.ai, totalTokens: tokenTotal(t.ai.tokens), before: undefined, thread: undefined } }),
    })),
    ...(s.meta.agentPauses && { agentPauses: s.meta.agentPauses }),
    ...(s.meta.agentTokens !== undefined && { agentTokens: s.meta.agentTokens }),
    agents: Object.values(s.agents),
    groups: Object.values(s.groups),
    alerts: s.alerts.slice(-20),
  };
}

const dur = (ms?: number) => (ms === undefined ? '' : formatDuration(ms));

export function taskTable(s: State, plan?: Plan): string[] {
  const titles = new Map(plan?.tasks.map((t) => [t.id, t.title]));
  const now = Date.now();
  // Worktree mode: each task's branch and its merge commit in the integration branch.
  const git = !!plan?.git;
  return table(
    Object.values(s.tasks).map((t) => [
      t.id, (titles.get(t.id) ?? '').slice(0, 34), t.status, t.agent ?? '', String(t.attempts),
      t.status === 'running' && t.startedAt ? dur(now - t.startedAt) : dur(t.durationMs),
      ...(git ? [t.branch ?? '', t.merge?.slice(0, 12) ?? ''] : []),
      t.status === 'done' && t.reason !== 'no changes' ? '' : (t.reason ?? '').slice(0, git ? 80 : 60),
    ]),
    ['TASK', 'TITLE', 'STATUS', 'AGENT', 'TRIES', 'TIME', ...(git ? ['BRANCH', 'MERGE'] : []), 'NOTE'],
  );
}

/** Worktree mode: where the run's merged work is and how to take it. */
export function integrationLines(s: State, plan: Plan): string[] {
  const g = plan.git;
  if (!g) return [];
  const merged = Object.values(s.tasks).filter((t) => t.merge).length;
  const repo = g.repo ? `git -C ${g.repo.top} ` : 'git ';
  return [`integration branch ${g.integration}: ${merged} task merge(s); take it with \`${repo}merge ${g.integration}\``];
}

export function agentTable(s: State): string[] {
  const now = Date.now();
  return table(
    Object.values(s.agents).map((a) => [String(a.quad), a.name, a.status, a.task ?? '', dur(now - a.since), String(a.done)]),
    ['QUAD', 'AGENT', 'STATE', 'TASK', 'FOR', 'DONE'],
  );
}

export interface Makespan {
  makespanMs: number;
  lowerBoundMs: number;
  criticalMs: number;
  criticalPath: string[];
}

/**
 * Makespan of this run so far against the lower bound computed from its measured durations.
 * Tasks kept done from an earlier run (a resume) count in neither: they took no time now.
 */
export function makespan(s: State, plan: Plan): Makespan {
  const g = buildGraph(plan.tasks);
  const ran = (id: string) => !!s.tasks[id] && claimedThisRun(s.tasks[id], s);
  const d = Float64Array.from(plan.tasks, (t) => (ran(t.id) ? s.tasks[t.id]!.durationMs ?? 0 : 0));
  const prio = priorities(g, d);
  const cp = criticalPath(g, d, prio);
  return {
    makespanMs: runMakespanMs(s),
    lowerBoundMs: lowerBound(d, cp.length, plan.agents.length),
    criticalMs: cp.length,
    criticalPath: cp.path.filter(ran),
  };
}

/**
 * A chain of task ids for one line: in full when short, else the first `head` and the last
 * `tail` with how many are left out and the length (a 1 000-task chain is one line, not 1 000 ids).
 */
export function pathText(ids: readonly string[], head = 4, tail = 3): string {
  if (!ids.length) return 'none';
  if (ids.length <= head + tail + 1) return ids.join(' -> ');
  const left = ids.length - head - tail;
  return `${ids.slice(0, head).join(' -> ')} -> … ${left} more … -> ${ids.slice(-tail).join(' -> ')} (${ids.length} tasks)`;
}

export function countsLine(s: State): string {
  const c = counts(s);
  return TASK_STATUSES.filter((k) => c[k]).map((k) => `${c[k]} ${k}`).join(', ');
}
