/**
 * The cross-process state lock (proper-lockfile: an atomic mkdir, kept fresh by mtime updates).
 * A holder that dies leaves a lock that goes stale after STALE_MS and is then taken over.
 * Retries start at 1 ms and stay short: holders keep the lock for about a millisecond, and the
 * store batches each process's transactions, so there are only a few contenders at a time.
 */
import lockfile from 'proper-lockfile';

export const STALE_MS = 2000;

export interface LockStats {
  acquired: number;
  waitMs: number[];
  holdMs: number[];
}

export class StateLock {
  readonly stats: LockStats = { acquired: 0, waitMs: [], holdMs: [] };
  /** Keep timings for measurement only when asked (benchmarks, the lock test). */
  record = false;
  private compromised: Error | undefined;

  constructor(private target: string, private lockPath: string) {}

  async acquire(): Promise<() => Promise<void>> {
    const t0 = performance.now();
    const release = await lockfile.lock(this.target, {
      lockfilePath: this.lockPath,
      realpath: false,
      stale: STALE_MS,
      retries: { retries: 100_000, factor: 1.25, minTimeout: 1, maxTimeout: 15, randomize: true, maxRetryTime: 60_000 },
      // A compromised lock (we stalled past STALE_MS and someone took over) must not crash the
      // process from a timer; the journal's sequence check catches any interleaving.
      onCompromised: (err) => {
        this.compromised = err;
      },
    });
    const t1 = performance.now();
    this.stats.acquired++;
    if (this.record) this.stats.waitMs.push(t1 - t0);
    return async () => {
      if (this.record) this.stats.holdMs.push(performance.now() - t1);
      try {
        await release();
      } catch {
        // Released already because it was compromised: nothing left to undo.
      }
    };
  }

  takeCompromised(): Error | undefined {
    const e = this.compromised;
    this.compromised = undefined;
    return e;
  }
}
