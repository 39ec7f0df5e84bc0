/**
 * What the dashboard (and `orchestrator status`) shows, computed from the state, the events
 * and the plan: agent rows grouped by quad, progress and counts, per-quad done counts, the
 * timeline with the critical path marked, the status line. Pure: no I/O, `now` is a parameter.
 */
import { buildGraph, type Graph } from '../../../orchestrator/core/graph/graph.js';
import type { Plan } from '../../../orchestrator/core/plan/plan-types.js';
import { counts } from '../../../orchestrator/core/text/report.js';
import type { RunEvent } from '../../../state/events.js';
import type { Alert, GroupStatus, RunStatus, State, TaskState, TaskStatus } from '../../../state/schema.js';
import { tokenTotal } from '../../../orchestrator/core/agents/events.js';
import { runTiming } from './estimates.js';
import { buildTimeline, type Timeline } from './timeline.js';

export type AgentRowState = 'idle' | 'running' | 'retrying' | 'dead' | 'restarting';

export interface AgentRow {
  name: string;
  quad: number;
  state: AgentRowState;
  /** The task it runs now. */
  task?: string;
  title?: string;
  attempt?: number;
  /** Time on the running task, else time in its current state (none once the run is over). */
  elapsedMs?: number;
  /** Restarts of its worker group. */
  restarts: number;
  done: number;
  /** Its current task, else the last one it ran: what `r` retries and `l` opens. */
  focusTask?: string;
  focusStatus?: TaskStatus;
  focusTitle?: string;
  /** Its AI agent task (current, else last): CLI, what it does, tokens and cost so far. */
  ai?: AgentAi;
}

export interface AgentAi {
  cli: string;
  /** working, needs input, stalled, paused until HH:MM, done, failed. */
  state: string;
  tokens: number;
  costUsd?: number;
}

function agentUsageOf(s: State): { tokens: number; costUsd: number } {
  let tokens = 0;
  let costUsd = 0;
  for (const t of Object.values(s.tasks)) {
    if (!t.ai) continue;
    tokens += tokenTotal(t.ai.tokens);
    costUsd += t.ai.costUsd ?? 0;
  }
  return { tokens, costUsd };
}

/** HH:MM in local time, for "paused until 20:00". */
function hhmm(ms: number): string {
  const d = new Date(ms);
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}

function aiOf(t: TaskState | undefined, pauses: Record<string, number> | undefined, now: number): AgentAi | undefined {
  const a = t?.ai;
  if (!a) return undefined;
  const until = Math.max(a.until ?? 0, pauses?.[a.cli] ?? 0);
  const paused = t.status === 'ready' && until > now;
  const state = paused ? `paused until ${hhmm(until)}` : a.state === 'needs-input' ? 'needs input' : t.status === 'running' ? (a.state === 'paused' || a.state === 'stalled' ? 'working' : a.state) : a.state;
  return { cli: a.cli, state, tokens: tokenTotal(a.tokens), ...(a.costUsd !== undefined && { costUsd: a.costUsd }) };
}

export interface QuadSummary {
  id: number;
  name: string;
  done: number;
  running: number;
  group: GroupStatus | 'absent';
  restarts: number;
}

export interface Progress {
  done: number;
  total: number;
  /** 0..100 */
  percent: number;
  counts: Record<TaskStatus, number>;
}

export interface StatusInfo {
  planName: string;
  runStatus: RunStatus;
  paused: boolean;
  elapsedMs: number;
  makespanMs: number;
  lowerBoundMs: number;
  etaMs?: number;
  /** A running task is past its estimate: the ETA is at least etaMs. */
  etaOverrun?: boolean;
  criticalPath: string[];
}

export interface DashboardModel {
  rows: AgentRow[];
  progress: Progress;
  quads: QuadSummary[];
  timeline: Timeline;
  status: StatusInfo;
  /** Agent CLIs paused by a usage limit now: "claude paused until 20:00". */
  agentPauses: string[];
  /** Tokens and cost of every agent task so far (undefined without agent tasks). */
  agentUsage?: { tokens: number; costUsd: number };
  /** Newest last. */
  alerts: Alert[];
  failed: string[];
  blocked: string[];
}

export interface ModelInput {
  state: State;
  plan: Plan;
  events?: readonly RunEvent[];
  now: number;
  maxAlerts?: number;
  /** The plan's graph when the caller has it (a run's context), so a redraw does not rebuild it. */
  graph?: Graph;
}

const DEAD_GROUPS = new Set<GroupStatus>(['dead', 'hung', 'failed']);

function rowState(agentStatus: string, group: GroupStatus | undefined): AgentRowState {
  if (group === 'restarting') return 'restarting';
  if (group && DEAD_GROUPS.has(group)) return 'dead';
  switch (agentStatus) {
    case 'running':
    case 'retrying':
    case 'dead':
    case 'restarting':
      return agentStatus;
    default:
      return 'idle'; // idle, or done: its group finished with the run
  }
}

/** The task an agent is on, else the one it ran most recently. */
function focusTaskOf(s: State, agent: string, current?: string): string | undefined {
  if (current) return current;
  let best: string | undefined;
  let at = -Infinity;
  for (const t of Object.values(s.tasks)) {
    const when = t.finishedAt ?? t.claimedAt ?? -Infinity;
    if (t.agent === agent && when > at) {
      best = t.id;
      at = when;
    }
  }
  return best;
}

export function buildViewModel(o: ModelInput): DashboardModel {
  const { state: s, plan, now } = o;
  // A task without a title is titled by its id: shown once, not as "bundle ✔ bundle".
  const titles = new Map(plan.tasks.map((t) => [t.id, t.title === t.id ? undefined : t.title]));
  const quadOrder = new Map(plan.quads.map((q, i) => [q.id, i]));
  // Plan order within a quad, quads in plan order: rows never jump around between redraws.
  const agents = [...plan.agents].sort((a, b) => (quadOrder.get(a.quad) ?? a.quad) - (quadOrder.get(b.quad) ?? b.quad));
  const rows: AgentRow[] = agents.map((def) => {
    const a = s.agents[def.name];
    const g = s.groups[String(def.quad)];
    const state = rowState(a?.status ?? 'idle', g?.status);
    const task = a?.task && (state === 'running' || state === 'retrying') ? a.task : undefined;
    const t = task ? s.tasks[task] : undefined;
    const focusTask = focusTaskOf(s, def.name, task);
    return {
      name: def.name, quad: def.quad, state, task, title: task ? titles.get(task) : undefined, attempt: t?.attempts,
      elapsedMs: t || s.meta.status === 'running' ? Math.max(0, now - (t?.startedAt ?? a?.since ?? now)) : undefined,
      restarts: g?.restarts ?? 0, done: a?.done ?? 0,
      focusTask, focusStatus: focusTask ? s.tasks[focusTask]?.status : undefined, focusTitle: focusTask ? titles.get(focusTask) : undefined,
      ...(focusTask && s.tasks[focusTask]?.ai && { ai: aiOf(s.tasks[focusTask], s.meta.agentPauses, now) }),
    };
  });
  const c = counts(s);
  const total = Object.keys(s.tasks).length;
  const progress: Progress = { done: c.done, total, percent: total ? Math.round((c.done / total) * 100) : 0, counts: c };
  const quads: QuadSummary[] = plan.quads.map((q) => {
    const g = s.groups[String(q.id)];
    let done = 0;
    let running = 0;
    for (const t of Object.values(s.tasks)) {
      if (t.quad !== q.id) continue;
      if (t.status === 'done') done++;
      if (t.status === 'running') running++;
    }
    return { id: q.id, name: q.name, done, running, group: g?.status ?? 'absent', restarts: g?.restarts ?? 0 };
  });
  const graph = o.graph ?? buildGraph(plan.tasks);
  const timing = runTiming(plan, graph, s, now);
  const timeline = buildTimeline({ events: o.events ?? [], state: s, agents: agents.map((a) => a.name), critical: new Set(timing.criticalPath), now });
  const ids = (st: TaskStatus) => Object.values(s.tasks).filter((t) => t.status === st).map((t) => t.id);
  return {
    rows,
    progress,
    quads,
    timeline,
    status: {
      planName: s.meta.planName || plan.name, runStatus: s.meta.status, paused: s.meta.paused,
      elapsedMs: timing.elapsedMs, makespanMs: timing.makespanMs, lowerBoundMs: timing.lowerBoundMs,
      etaMs: timing.etaMs, etaOverrun: timing.etaOverrun, criticalPath: timing.criticalPath,
    },
    alerts: s.alerts.slice(-(o.maxAlerts ?? 20)),
    agentPauses: Object.entries(s.meta.agentPauses ?? {}).filter(([, until]) => until > now).map(([cli, until]) => `${cli} paused until ${hhmm(until)}`),
    ...(plan.tasks.some((t) => t.agent) && { agentUsage: agentUsageOf(s) }),
    failed: ids('failed'),
    blocked: ids('blocked'),
  };
}

/**
 * The rows a table of `visible` lines shows: all of them in plan order when they fit; when they
 * do not (a small pane), the busy agents first, so a short table shows what is happening.
 */
export function fitRows(rows: AgentRow[], visible: number): AgentRow[] {
  if (rows.length <= visible) return rows;
  const busy = (r: AgentRow) => r.state === 'running' || r.state === 'retrying' || r.state === 'restarting';
  return [...rows.filter(busy), ...rows.filter((r) => !busy(r))];
}
