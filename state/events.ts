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
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export interface RunEvent {
  /** Milliseconds since the epoch. */
  ts: number;
  type: EventType;
  task?: string;
  agent?: string;
  quad?: number;
  attempt?: number;
  fence?: number;
  /** When the task became ready / the agent became free (for dispatch latency). */
  readyAt?: number;
  freeAt?: number;
  exitCode?: number | null;
  signal?: string | null;
  durationMs?: number;
  reason?: string;
  /** merged: the merge commit; conflict: the task(s) collided with (space-separated). */
  commit?: string;
  with?: string;
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
