/**
 * Time as a dependency: the monitors and the workers read the clock and wait through this
 * interface, so tests can run backoff, hang detection and sleeps in virtual time instead of
 * waiting for real seconds. `systemClock` is the real one.
 */

/** A pending timer; `unref` lets the process exit while it waits (real clock only). */
export interface ClockTimer {
  unref?(): unknown;
}

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): ClockTimer;
  clearTimeout(t: ClockTimer | undefined): void;
  setInterval(fn: () => void, ms: number): ClockTimer;
  clearInterval(t: ClockTimer | undefined): void;
  /** Resolves after `ms`. */
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (t) => clearTimeout(t as NodeJS.Timeout | undefined),
  setInterval: (fn, ms) => setInterval(fn, ms),
  clearInterval: (t) => clearInterval(t as NodeJS.Timeout | undefined),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};
