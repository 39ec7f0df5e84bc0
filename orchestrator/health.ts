/**
 * Classifying a worker group from what the keep-alive monitor observed, as a pure function.
 */

export type Health = 'healthy' | 'starting' | 'finished' | 'crashed' | 'crash-looping' | 'hung';

export interface Observation {
  now: number;
  /** The group's process (or its pane) is alive. */
  alive: boolean;
  /** Last heartbeat the group wrote (undefined: none since it started). */
  heartbeatAt?: number;
  /** When the current process was started. */
  startedAt?: number;
  /** When the monitor last restarted it. */
  lastRestartAt?: number;
  /** The group recorded that it stopped because the run is over. */
  exitedFinished: boolean;
  /** The run itself is over (finished or interrupted). */
  runOver: boolean;
  intervalMs: number;
}

/** A heartbeat older than this many intervals means hung. */
export const HUNG_INTERVALS = 3;
/** Dying within this long of a restart is a crash loop. */
export const CRASH_LOOP_MS = 15_000;
/** A fresh process gets this long to write its first heartbeat. */
export const START_GRACE_MS = 10_000;

export function classify(o: Observation): Health {
  if (!o.alive) {
    if (o.exitedFinished || o.runOver) return 'finished';
    if (o.lastRestartAt !== undefined && o.now - o.lastRestartAt < CRASH_LOOP_MS) return 'crash-looping';
    return 'crashed';
  }
  const limit = HUNG_INTERVALS * o.intervalMs;
  const since = Math.max(o.heartbeatAt ?? 0, o.startedAt ?? 0);
  if (o.heartbeatAt === undefined || (o.startedAt !== undefined && o.heartbeatAt < o.startedAt)) {
    return o.now - (o.startedAt ?? o.now) < Math.max(START_GRACE_MS, limit) ? 'starting' : 'hung';
  }
  return o.now - since > limit ? 'hung' : 'healthy';
}
