/**
 * Singleton roles of a run besides the worker groups: the keep-alive monitor and, in
 * high-availability mode, the control process. Each holder is recorded in a small file in the
 * state directory as {pid, start} (start time from /proc, so a reused pid is not mistaken for
 * the holder). Claims are made under the state lock, so two candidates cannot both win.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../state/atomic-write.js';
import type { StateLock } from '../../state/lock.js';
import { pidAlive, readProc, stillRunning } from '../../workers/os/process-tree.js';

export type Role = 'keep-alive' | 'control';

export interface Holder {
  pid: number;
  start?: number;
}

export function roleFile(stateDir: string, role: Role): string {
  return join(stateDir, `${role}.pid`);
}

export function readHolder(stateDir: string, role: Role): Holder | undefined {
  const file = roleFile(stateDir, role);
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

/** The live holder of `role`, if any. */
export function liveHolder(stateDir: string, role: Role): Holder | undefined {
  const h = readHolder(stateDir, role);
  return holderAlive(h) ? h : undefined;
}

/**
 * Takes `role` for this process unless another live process holds it; returns that holder
 * when the claim fails.
 */
export async function claimRole(stateDir: string, lock: StateLock, role: Role): Promise<{ ok: true } | { ok: false; holder: Holder }> {
  const release = await lock.acquire();
  try {
    const h = liveHolder(stateDir, role);
    if (h && h.pid !== process.pid) return { ok: false, holder: h };
    writeFileAtomic(roleFile(stateDir, role), JSON.stringify({ pid: process.pid, start: readProc(process.pid)?.start }));
    return { ok: true };
  } finally {
    await release();
  }
}

/** Gives the role up (on a clean exit) if this process still holds it. */
export function releaseRole(stateDir: string, role: Role): void {
  if (readHolder(stateDir, role)?.pid === process.pid) rmSync(roleFile(stateDir, role), { force: true });
}

export interface RoleKeeperOptions {
  stateDir: string;
  role: Role;
  /** Starts a new holder (it claims the role itself once up). */
  spawn: () => ChildProcess;
  /** Whether the role should be held now (the run goes on, we are not stopping). */
  wanted: () => boolean;
  /** Called after a replacement was started (not for the first start). */
  onRestart?: (pid: number | undefined) => void;
  pollMs?: number;
}

/** Before respawning a peer whose last `failedStarts` starts died before taking the role: 0, 0.25, 0.5, 1, 2 s. */
export function respawnDelayMs(failedStarts: number): number {
  return failedStarts ? Math.min(2000, 250 * 2 ** (failedStarts - 1)) : 0;
}

/**
 * Keeps another singleton process of the run alive (high-availability mode: the control
 * process keeps the keep-alive monitor, the monitor keeps the control process). Polls the
 * holder file often — a dead peer is the one thing nobody else would notice.
 *
 * Only a peer that dies before it takes its role (it cannot start) is respawned with backoff.
 * One that was killed after taking it is replaced at once, however often it happens: while the
 * peer is down, this process is the only supervisor left, and waiting would leave a window in
 * which a second kill ends supervision for good.
 */
export class RoleKeeper {
  private child?: ChildProcess;
  private childJudged = true;
  private timer?: NodeJS.Timeout;
  private starts = 0;
  private stopped = false;
  private failedStarts = 0;
  private lastSpawnAt = 0;

  constructor(private o: RoleKeeperOptions) {}

  /**
   * Checks at once (a process that just took over must do its watching duty before anything
   * else: it may be killed next) and then every poll. `firstIsRestart`: the peer existed before
   * us, so any holder we start replaces a dead one.
   */
  start(firstIsRestart: boolean): void {
    this.starts = firstIsRestart ? 1 : 0;
    this.check();
    this.timer = setInterval(() => this.check(), this.o.pollMs ?? 250);
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
  }

  alive(): boolean {
    const c = this.child;
    if (c && c.exitCode === null && c.signalCode === null && pidAlive(c.pid)) return true;
    return liveHolder(this.o.stateDir, this.o.role) !== undefined;
  }

  pid(): number | undefined {
    return liveHolder(this.o.stateDir, this.o.role)?.pid ?? this.child?.pid;
  }

  /** How long the next respawn would wait after the last one (0 unless starts keep failing). */
  get backoffMs(): number {
    return respawnDelayMs(this.failedStarts);
  }

  private check(): void {
    if (this.stopped || !this.o.wanted() || this.alive()) return;
    if (!this.childJudged && this.child) {
      // A dead holder stays in the role file: that is how we tell killed from failed to start.
      this.childJudged = true;
      this.failedStarts = readHolder(this.o.stateDir, this.o.role)?.pid === this.child.pid ? 0 : this.failedStarts + 1;
    }
    if (Date.now() < this.lastSpawnAt + this.backoffMs) return;
    this.lastSpawnAt = Date.now();
    this.child = this.o.spawn();
    this.childJudged = false;
    this.child.once('error', () => undefined);
    this.child.once('exit', () => setImmediate(() => this.check()));
    if (this.starts++ > 0) this.o.onRestart?.(this.child.pid);
  }
}
