/**
 * When a supervisor respawns its peer (high-availability mode: the control process and the
 * keep-alive monitor keep each other alive), as a pure function of what it saw and the time.
 *
 * Only a peer that dies before it takes its seat (it cannot start) is respawned with backoff.
 * One that was killed after taking it is replaced at once, however often it happens: while the
 * peer is down, the watcher is the only supervisor left, and waiting would leave a window in
 * which a second kill ends supervision for good.
 */

/** Before respawning a peer whose last `failedStarts` starts died before taking the seat: 0, 0.25, 0.5, 1, 2 s. */
export function respawnDelayMs(failedStarts: number): number {
  return failedStarts ? Math.min(2000, 250 * 2 ** (failedStarts - 1)) : 0;
}

export interface PeerFacts {
  now: number;
  /** The peer's seat should be held now (the run goes on, the watcher is not stopping). */
  wanted: boolean;
  /** The peer lives (the process last started, or whoever holds the seat). */
  alive: boolean;
  /** The peer last started has ended and not been judged yet: whether it had taken its seat. */
  endedAfterClaim?: boolean;
  /** Starts in a row that died before taking the seat, as judged so far. */
  failedStarts: number;
  /** When the last peer was started (0: never). */
  lastSpawnAt: number;
}

export interface PeerStep {
  /** The count after judging the peer that ended. */
  failedStarts: number;
  spawn: boolean;
}

export function peerStep(f: PeerFacts): PeerStep {
  if (!f.wanted || f.alive) return { failedStarts: f.failedStarts, spawn: false };
  const failedStarts = f.endedAfterClaim === undefined ? f.failedStarts : f.endedAfterClaim ? 0 : f.failedStarts + 1;
  return { failedStarts, spawn: f.now >= f.lastSpawnAt + respawnDelayMs(failedStarts) };
}
