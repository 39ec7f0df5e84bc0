/**
 * A clock for tests: time moves only when the test advances it, and every timer due on the way
 * fires in order, with the promises it starts given a chance to settle between timers. Backoff
 * of minutes runs in milliseconds, and the outcome does not depend on the machine's load.
 */
import type { Clock, ClockTimer } from '../../workers/os/clock.js';

interface Pending extends ClockTimer {
  at: number;
  seq: number;
  fn: () => void;
  every?: number;
  cancelled: boolean;
}

export class VirtualClock implements Clock {
  private t: number;
  private seq = 0;
  private timers: Pending[] = [];

  constructor(start = 1_000_000) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): ClockTimer {
    return this.add(fn, ms);
  }

  setInterval(fn: () => void, ms: number): ClockTimer {
    return this.add(fn, ms, Math.max(1, ms));
  }

  clearTimeout(t: ClockTimer | undefined): void {
    if (t) (t as Pending).cancelled = true;
  }

  clearInterval(t: ClockTimer | undefined): void {
    this.clearTimeout(t);
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.add(resolve, ms));
  }

  /** Timers waiting (not cancelled). */
  get pending(): number {
    return this.timers.filter((p) => !p.cancelled).length;
  }

  /** Moves time forward by `ms`, firing every timer due on the way (in order). */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      await settle();
      const next = this.timers.filter((p) => !p.cancelled && p.at <= end).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!next) break;
      this.t = Math.max(this.t, next.at);
      if (next.every) next.at += next.every;
      else {
        next.cancelled = true;
        this.timers = this.timers.filter((p) => p !== next);
      }
      next.fn();
    }
    this.t = end;
    await settle();
  }

  /** Advances in `stepMs` steps until `cond` holds; throws after `maxMs` of virtual time. */
  async advanceUntil(what: string, cond: () => boolean, stepMs: number, maxMs: number): Promise<void> {
    for (let spent = 0; !cond(); spent += stepMs) {
      if (spent > maxMs) throw new Error(`virtual time: no ${what} after ${maxMs} ms`);
      await this.advance(stepMs);
    }
  }

  private add(fn: () => void, ms: number, every?: number): Pending {
    const p: Pending = { at: this.t + Math.max(0, ms), seq: this.seq++, fn, every, cancelled: false };
    this.timers.push(p);
    return p;
  }
}

/** Lets promise chains (and the real I/O they wait for, e.g. a store transaction) run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}
