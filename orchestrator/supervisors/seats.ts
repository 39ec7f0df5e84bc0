/**
 * A run's seats: the singleton supervisor processes besides the worker groups, the keep-alive
 * monitor and, in high-availability mode, the control process. (A "role" is the plan's: what
 * an agent is for.) Each holder is recorded in a small file in the
 * state directory as {pid, start} (start time from /proc, so a reused pid is not mistaken for
 * the holder). Claims are made under the state lock, so two candidates cannot both win.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../state/atomic-write.js';
import type { StateLock } from '../../state/lock.js';
import { pidAlive, readProc, stillRunning } from '../../workers/os/process-tree.js';
import { systemClock, type Clock, type ClockTimer } from '../../workers/os/clock.js';
import { peerStep, respawnDelayMs } from '../core/supervision/peer-respawn.js';

export type Seat = 'keep-alive' | 'control';

export interface Holder {
  pid: number;
  start?: number;
}

export function seatFile(stateDir: string, seat: Seat): string {
  return join(stateDir, `${seat}.pid`);
}

export function readHolder(stateDir: string, seat: Seat): Holder | undefined {
  const file = seatFile(stateDir, seat);
  if (!existsSync(file)) return undefined;
  try {
    const h = JSON.parse(readFileSync(file, 'utf8')) as Holder;
    return typeof h.pid === 'number' ? h : undefined;
  } catch {
    return undefined;
  }
}

export function holderAlive(h: Holder | undefined): boolean {
  return !!h && h.pid > 0 && stillRunning(h);
}

/** The live holder of `seat`, if any. */
export function liveHolder(stateDir: string, seat: Seat): Holder | undefined {
  const h = readHolder(stateDir, seat);
  return holderAlive(h) ? h : undefined;
}

/**
 * Takes `seat` for this process unless another live process holds it; returns that holder
 * when the claim fails.
 */
export async function claimSeat(stateDir: string, lock: StateLock, seat: Seat): Promise<{ ok: true } | { ok: false; holder: Holder }> {
  const release = await lock.acquire();
  try {
    const h = liveHolder(stateDir, seat);
    if (h && h.pid !== process.pid) return { ok: false, holder: h };
    writeFileAtomic(seatFile(stateDir, seat), JSON.stringify({ pid: process.pid, start: readProc(process.pid)?.start }));
    return { ok: true };
  } finally {
    await release();
  }
}

/** Gives the seat up (on a clean exit) if this process still holds it. */
export function releaseSeat(stateDir: string, seat: Seat): void {
  if (readHolder(stateDir, seat)?.pid === process.pid) rmSync(seatFile(stateDir, seat), { force: true });
}

export interface SeatKeeperOptions {
  stateDir: string;
  seat: Seat;
  /** Starts a new holder (it claims the seat itself once up). */
  spawn: () => ChildProcess;
  /** Whether the seat should be held now (the run goes on, we are not stopping). */
  wanted: () => boolean;
  /** Called after a replacement was started (not for the first start). */
  onRestart?: (pid: number | undefined) => void;
  pollMs?: number;
  /** Time and the poll (tests: a virtual clock). */
  clock?: Clock;
}

/**
 * Keeps another singleton process of the run alive (high-availability mode: the control
 * process keeps the keep-alive monitor, the monitor keeps the control process). Polls the
 * holder file often — a dead peer is the one thing nobody else would notice. When to respawn is
 * decided by `peerStep` (orchestrator/core/supervision/peer-respawn.ts); the time and the poll
 * come from the injected clock.
 */
export class SeatKeeper {
  private child?: ChildProcess;
  private childJudged = true;
  private timer?: ClockTimer;
  private starts = 0;
  private stopped = false;
  private failedStarts = 0;
  private lastSpawnAt = 0;
  private readonly clock: Clock;

  constructor(private o: SeatKeeperOptions) {
    this.clock = o.clock ?? systemClock;
  }

  /**
   * Checks at once (a process that just took over must do its watching duty before anything
   * else: it may be killed next) and then every poll. `firstIsRestart`: the peer existed before
   * us, so any holder we start replaces a dead one.
   */
  start(firstIsRestart: boolean): void {
    this.starts = firstIsRestart ? 1 : 0;
    this.check();
    this.timer = this.clock.setInterval(() => this.check(), this.o.pollMs ?? 250);
  }

  stop(): void {
    this.stopped = true;
    this.clock.clearInterval(this.timer);
  }

  alive(): boolean {
    const c = this.child;
    if (c && c.exitCode === null && c.signalCode === null && pidAlive(c.pid)) return true;
    return liveHolder(this.o.stateDir, this.o.seat) !== undefined;
  }

  pid(): number | undefined {
    return liveHolder(this.o.stateDir, this.o.seat)?.pid ?? this.child?.pid;
  }

  /** How long the next respawn would wait after the last one (0 unless starts keep failing). */
  get backoffMs(): number {
    return respawnDelayMs(this.failedStarts);
  }

  private check(): void {
    if (this.stopped) return;
    const wanted = this.o.wanted();
    const alive = wanted && this.alive();
    // A dead holder stays in the seat file: that is how we tell killed from failed to start.
    const judge = wanted && !alive && !this.childJudged && this.child !== undefined;
    const endedAfterClaim = judge ? readHolder(this.o.stateDir, this.o.seat)?.pid === this.child!.pid : undefined;
    const step = peerStep({ now: this.clock.now(), wanted, alive, endedAfterClaim, failedStarts: this.failedStarts, lastSpawnAt: this.lastSpawnAt });
    if (judge) this.childJudged = true;
    this.failedStarts = step.failedStarts;
    if (!step.spawn) return;
    this.lastSpawnAt = this.clock.now();
    this.child = this.o.spawn();
    this.childJudged = false;
    this.child.once('error', () => undefined);
    this.child.once('exit', () => this.clock.setTimeout(() => this.check(), 0));
    if (this.starts++ > 0) this.o.onRestart?.(this.child.pid);
  }
}
