/**
 * Classifying a worker group from what the keep-alive monitor observed, as a pure function.
 */

/** `stale`: the heartbeat is late, but nobody has managed to write the state meanwhile (a dead
 * process still holds the lock), so it is not the group's fault yet. */
export type Health = 'healthy' | 'starting' | 'stale' | 'finished' | 'crashed' | 'crash-looping' | 'hung';

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
  /** When the monitor last saw anyone commit to the state, if recently (undefined: not for a while). */
  stateWrittenAt?: number;
}

/** A heartbeat older than this many intervals means hung. */
export const HUNG_INTERVALS = 3;
/** Dying within this long of a restart is a crash loop. */
export const CRASH_LOOP_MS = 15_000;
/** A fresh process gets this long to write its first heartbeat. */
export const START_GRACE_MS = 10_000;
/** A late heartbeat is excused this long while nobody at all can write the state. */
export const STORE_STALL_GRACE_MS = 5000;

/** The keep-alive interval's range (issue 5: 10 s is the slowest allowed), for the plan's keep_alive.interval and --interval alike. */
export const INTERVAL_MIN_MS = 200;
export const INTERVAL_MAX_MS = 10_000;

/** Workers heartbeat at least twice per monitor interval (and at least every second), so a
 * healthy group never looks three intervals stale. */
export function heartbeatEveryMs(intervalMs: number): number {
  return Math.max(100, Math.min(1000, Math.floor(intervalMs / 2)));
}

export function classify(o: Observation): Health {
  if (!o.alive) {
    if (o.exitedFinished || o.runOver) return 'finished';
    if (o.lastRestartAt !== undefined && o.now - o.lastRestartAt < CRASH_LOOP_MS) return 'crash-looping';
    return 'crashed';
  }
  const limit = HUNG_INTERVALS * o.intervalMs;
  if (o.heartbeatAt === undefined || (o.startedAt !== undefined && o.heartbeatAt < o.startedAt)) {
    return o.now - (o.startedAt ?? o.now) < Math.max(START_GRACE_MS, limit) ? 'starting' : 'hung';
  }
  const age = o.now - o.heartbeatAt;
  if (age <= limit) return 'healthy';
  // Others kept writing while this group did not: hung. Nobody wrote: wait, up to a grace.
  if (o.stateWrittenAt !== undefined && o.stateWrittenAt - o.heartbeatAt > limit) return 'hung';
  return age > limit + STORE_STALL_GRACE_MS ? 'hung' : 'stale';
}
