/**
 * The run's event log (logs/events.jsonl): one JSON object per state change, appended by the
 * store under the state lock so the order of lines is the order of changes.
 */
import { existsSync, readFileSync } from 'node:fs';

export const EVENT_TYPES = [
  'run-started', 'run-finished', 'run-interrupted', 'claimed', 'started', 'finished', 'failed',
  'retried', 'requeued', 'blocked', 'unblocked', 'lease-expired', 'stale-result-rejected',
  'group-started', 'group-exited', 'group-restarted', 'group-failed', 'agent-idle', 'paused', 'resumed',
  'alert', 'task-reset', 'merged', 'conflict',
  'agent-session', 'agent-usage', 'agent-needs-input', 'agent-limit', 'agent-stalled', 'agent-budget',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/*
 * Lines are parsed leniently (an older or torn log must not stop a viewer), so beyond its type
 * an event promises only what identifies it: the task of a task event, the quad of a group
 * event. The other fields are what its kind may carry.
 */

/** What every event carries. */
interface EventBase {
  /** Milliseconds since the epoch. */
  ts: number;
  reason?: string;
}

/** The run as a whole. */
export interface RunLevelEvent extends EventBase {
  type: 'run-started' | 'run-finished' | 'run-interrupted' | 'paused' | 'resumed';
}

/** An agent claimed a task (readyAt / freeAt: when the task became ready and the agent free, for dispatch latency). */
export interface ClaimedEvent extends EventBase {
  type: 'claimed';
  task: string;
  agent?: string;
  quad?: number;
  attempt?: number;
  fence?: number;
  readyAt?: number;
  freeAt?: number;
}

/** The attempt's process started (written by the worker, outside the store). */
export interface StartedEvent extends EventBase {
  type: 'started';
  task: string;
  agent?: string;
  quad?: number;
  attempt?: number;
  fence?: number;
}

/** An attempt's result: done, to be retried, or failed for good. */
export interface ResultEvent extends EventBase {
  type: 'finished' | 'retried' | 'failed';
  task: string;
  agent?: string;
  quad?: number;
  attempt?: number;
  fence?: number;
  exitCode?: number | null;
  signal?: string | null;
  durationMs?: number;
}

/** A task's status changed for a reason outside its own attempt. */
export interface TaskNoteEvent extends EventBase {
  type: 'blocked' | 'unblocked' | 'task-reset' | 'requeued';
  task: string;
  agent?: string;
}

/** A running task's lease ended (its worker died or stopped renewing). */
export interface LeaseExpiredEvent extends EventBase {
  type: 'lease-expired';
  task: string;
  agent?: string;
  quad?: number;
  attempt?: number;
  fence?: number;
}

/** A result that arrived for an attempt that is no longer the task's current one. */
export interface StaleResultEvent extends EventBase {
  type: 'stale-result-rejected';
  task: string;
  agent?: string;
  fence?: number;
}

/** Worktree mode: a task's commit merged into the integration branch (`commit`: the merge commit). */
export interface MergedEvent extends EventBase {
  type: 'merged';
  task: string;
  agent?: string;
  commit?: string;
}

/** Worktree mode: a task's merge conflicted (`reason` names the paths, `with` the tasks, space-separated). */
export interface ConflictEvent extends EventBase {
  type: 'conflict';
  task: string;
  agent?: string;
  with?: string;
}

/** A worker group's process. */
export interface GroupEvent extends EventBase {
  type: 'group-started' | 'group-exited' | 'group-restarted' | 'group-failed';
  quad: number;
}

export interface AlertEvent extends EventBase {
  type: 'alert';
  quad?: number;
  task?: string;
}

/** An AI agent task (`agent:`): its session, usage, a question, a usage limit, a stall, a budget. */
export interface AgentTaskEvent extends EventBase {
  type: 'agent-session' | 'agent-usage' | 'agent-needs-input' | 'agent-limit' | 'agent-stalled' | 'agent-budget';
  task: string;
  agent?: string;
  cli?: string;
  session?: string;
  /** Tokens the task (agent-usage, agent-budget: the run) used so far. */
  tokens?: number;
  costUsd?: number;
  /** agent-limit: the CLI is paused until then (reset + margin). */
  until?: number;
}

export interface AgentIdleEvent extends EventBase {
  type: 'agent-idle';
  agent?: string;
}

/** One line of logs/events.jsonl: a union on `type`, so each kind says exactly what it carries. */
export type RunEvent =
  | RunLevelEvent | ClaimedEvent | StartedEvent | ResultEvent | TaskNoteEvent | LeaseExpiredEvent
  | StaleResultEvent | MergedEvent | ConflictEvent | GroupEvent | AlertEvent | AgentIdleEvent | AgentTaskEvent;

/** An event as a transition records it (the store stamps `ts`). */
export type NewEvent = RunEvent extends infer E ? (E extends RunEvent ? Omit<E, 'ts'> : never) : never;

/** The event of one type. */
export type EventOf<T extends EventType> = Extract<RunEvent, { type: T }>;

/** A type guard for filters: `events.filter(isEvent('claimed'))` is a ClaimedEvent[]. */
export function isEvent<T extends EventType>(...types: T[]): (e: RunEvent) => e is EventOf<T> {
  return (e): e is EventOf<T> => (types as EventType[]).includes(e.type);
}

/** Reads every complete line; a torn last line (a writer died mid-append) is skipped. */
export function readEvents(file: string): RunEvent[] {
  if (!existsSync(file)) return [];
  const out: RunEvent[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line) continue;
    try {
      out.push(JSON.parse(line) as RunEvent);
    } catch {
      // torn tail: ignore
    }
  }
  return out;
}
