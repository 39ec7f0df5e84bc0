/**
 * When to restart a dead or hung worker group, as a pure function: delays 1, 2, 4, 8, 16 s,
 * at most five restarts, the count forgotten once the group has stayed healthy for a minute.
 */

export const RESTART_DELAYS_MS = [1000, 2000, 4000, 8000, 16_000] as const;
export const MAX_RESTARTS = RESTART_DELAYS_MS.length;
export const HEALTHY_RESET_MS = 60_000;

export interface RestartHistory {
  /** Restarts counted so far (since the last reset). */
  restarts: number;
  /** When the group was last (re)started. */
  lastRestartAt?: number;
}

export type RestartDecision = { action: 'restart'; delayMs: number; attempt: number } | { action: 'give-up'; restarts: number };

/** The count to use now: a group healthy for HEALTHY_RESET_MS since its last restart starts afresh. */
export function effectiveRestarts(h: RestartHistory, healthyUntil: number): number {
  if (h.lastRestartAt !== undefined && healthyUntil - h.lastRestartAt >= HEALTHY_RESET_MS) return 0;
  return h.restarts;
}

/**
 * Decides what to do about a group that just failed. `healthyUntil` is when it was last seen
 * healthy (its last fresh heartbeat): time healthy counts, time dead does not.
 */
export function decideRestart(h: RestartHistory, healthyUntil: number): RestartDecision {
  const n = effectiveRestarts(h, healthyUntil);
  if (n >= MAX_RESTARTS) return { action: 'give-up', restarts: n };
  return { action: 'restart', delayMs: RESTART_DELAYS_MS[n]!, attempt: n + 1 };
}
