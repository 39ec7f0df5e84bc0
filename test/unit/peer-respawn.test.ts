/**
 * When high-availability mode's supervisors respawn each other (core/supervision/peer-respawn.ts),
 * stepped through virtual time: a peer that cannot start is retried 0, 0.25, 0.5, 1, 2, 2 s
 * apart; one killed after taking its seat is replaced at the next check, however often.
 */
import { expect } from 'chai';
import { peerStep, respawnDelayMs, type PeerFacts } from '../../orchestrator/core/supervision/peer-respawn.js';

const POLL = 50;

/** Polls every POLL ms from `t0` until `until`; each started peer ends at once, having taken its seat or not. */
function simulate(tookSeat: boolean, until: number, t0 = 1_000_000): number[] {
  const spawns: number[] = [];
  let f: PeerFacts = { now: t0, wanted: true, alive: false, failedStarts: 0, lastSpawnAt: 0 };
  for (let now = t0; now <= until; now += POLL) {
    const step = peerStep({ ...f, now });
    f = { ...f, failedStarts: step.failedStarts, endedAfterClaim: undefined };
    if (step.spawn) {
      spawns.push(now - t0);
      // Started, and already gone by the next poll: judged then.
      f = { ...f, lastSpawnAt: now, endedAfterClaim: tookSeat };
    }
  }
  return spawns;
}

describe('peer respawn (pure, virtual time)', () => {
  it('backs off only for starts that fail: 0, 0.25, 0.5, 1, 2 s', () => {
    expect([0, 1, 2, 3, 4, 5, 9].map(respawnDelayMs)).to.deep.equal([0, 250, 500, 1000, 2000, 2000, 2000]);
  });

  it('a peer that dies before taking its seat is respawned with growing gaps', () => {
    const spawns = simulate(false, 1_000_000 + 8000);
    const gaps = spawns.slice(1).map((t, i) => t - spawns[i]!);
    expect(spawns[0]).to.equal(0);
    expect(gaps).to.deep.equal([250, 500, 1000, 2000, 2000, 2000]);
  });

  it('a peer killed after taking its seat is replaced at the next check, every time', () => {
    const spawns = simulate(true, 1_000_000 + 1000);
    expect(spawns).to.deep.equal(Array.from({ length: 1000 / POLL + 1 }, (_, i) => i * POLL));
  });

  it('a start that takes its seat forgets the failed ones before it', () => {
    const f: PeerFacts = { now: 5000, wanted: true, alive: false, failedStarts: 4, lastSpawnAt: 4990, endedAfterClaim: true };
    expect(peerStep(f)).to.deep.equal({ failedStarts: 0, spawn: true });
    expect(peerStep({ ...f, endedAfterClaim: false })).to.deep.equal({ failedStarts: 5, spawn: false });
  });

  it('does nothing while the peer lives or is not wanted (and judges nobody)', () => {
    const f: PeerFacts = { now: 5000, wanted: true, alive: true, failedStarts: 2, lastSpawnAt: 0, endedAfterClaim: false };
    expect(peerStep(f)).to.deep.equal({ failedStarts: 2, spawn: false });
    expect(peerStep({ ...f, alive: false, wanted: false })).to.deep.equal({ failedStarts: 2, spawn: false });
  });
});
