/**
 * The cross-process state lock: a file `state.lock` that exists only while the lock is held,
 * made with an exclusive create (link(2) fails with EEXIST when it exists), unlinked on release.
 * (A file, not a directory: on ext4 a mkdir/rmdir pair allocates and frees a block.)
 *
 * The lock file is a hard link to this process's own "key" file (`state.lock.k-<pid>-<n>`, made
 * once per process and lock, holding the pid): creating a new inode on every acquisition cost
 * 0.5-1 ms on this machine's ext4 while the run writes, a link to an existing inode about 10 µs.
 * The key's mtime is set just before linking, so the lock's mtime is its acquisition time, and
 * (inode, mtime) tells this acquisition from every other. Keys of processes that died are swept
 * when a new key is made; a key that vanished (the state folder moved aside) is made again.
 * Where hard links are not supported, a new file is created with O_EXCL instead.
 *
 * Every holder keeps it only across one synchronous commit (the store never awaits while
 * holding it). A holder that dies leaves the file behind: it is taken over once the pid in it
 * is gone, or when it is older than STALE_MS (a holder alive but stuck: stopped, starved).
 *
 * Two holders at once are prevented in two layers:
 *  - Takeover of a stale lock is serialised by a second exclusive file, `state.lock.takeover`,
 *    and removes only the exact file it inspected: the stale lock is renamed to a name of the
 *    taker's own and checked (inode, mtime, birth time) before it is deleted; a file that is
 *    not the one inspected (its holder released and someone else locked meanwhile) is put back.
 *    A stale takeover file is removed the same way.
 *  - Fencing: before its write becomes visible, a holder checks that the lock file is still its
 *    own acquisition and younger than STALE_MS - FENCE_MARGIN_MS (`stillHeld()`), and the store
 *    checks that the journal has not grown since it caught up under the lock. A holder that was
 *    stopped past the stale time (SIGSTOP, a swapped-out machine) finds one or the other and
 *    its write is refused (a StateError via takeCompromised()); it never interleaves. What is
 *    left is a holder stopped for more than FENCE_MARGIN_MS between that check and the write
 *    itself (two consecutive syscalls); the store detects it right after the write (the journal
 *    grew by more than its line) and replay refuses the repeated sequence number.
 *
 * Waiters poll with short randomised backoff (1 ms growing to 8 ms): holds are short and each
 * process batches its transactions into one acquisition (group commit).
 */
import { closeSync, fstatSync, linkSync, openSync, readdirSync, readFileSync, renameSync, rmdirSync, statSync, unlinkSync, utimesSync, writeSync, type Stats } from 'node:fs';
import { CREATE_NEW, openPrivate, REWRITE } from './private-file.js';
import { basename, dirname, join } from 'node:path';
import { StateError } from './errors.js';
import { processExists } from '../workers/os/process-exists.js';
import { storeIoError } from './io-errors.js';

/**
 * A lock older than this is taken over even though its holder seems alive (stopped, stuck, or
 * its pid reused). Measured hold times (bench/lock-hold.ts: 4 processes committing and
 * compacting a 2 000-task state for 30 s, 4 busy loops `yes > /dev/null` beside them, on a
 * shared 2-core machine already loaded by other work): p50 0.1 ms, p99 82 ms, p99.9 238 ms,
 * longest 615 ms (compactions, whose fsyncs wait for the disk). The old 2 s was only 3x that
 * worst case: a holder descheduled for 2 s lost the lock without knowing. 10 s is 16x the
 * longest hold seen, and a holder still refuses to write past half of it (FENCE_MARGIN_MS),
 * 8x. Waiting that long costs little: a lock whose holder died (the common case of an
 * abandoned lock, e.g. a SIGKILLed worker) is taken over as soon as its pid is gone
 * (DEAD_CHECK_MS), not after STALE_MS.
 */
export const STALE_MS = 10_000;
/** A held lock older than this is checked for a dead holder (its pid, written in the lock file). */
const DEAD_CHECK_MS = 250;
/** A holder refuses to write once its lock is this close to going stale (see the top). */
export const FENCE_MARGIN_MS = STALE_MS / 2;
const MIN_RETRY_MS = 1;
const MAX_RETRY_MS = 8;
const GIVE_UP_MS = 60_000;

export interface LockStats {
  acquired: number;
  waitMs: number[];
  holdMs: number[];
}

/** Lock files held by this process (path → the acquisition's stat), removed if it exits holding one. */
const held = new Map<string, Stats>();
/** This process's key file per lock path (see the top), removed when it exits. */
const keys = new Map<string, { path: string; ino: number }>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const [p, st] of held) removeExact(p, st);
    for (const k of keys.values()) remove(k.path, false);
  });
}
let uniqueCount = 0;
const unique = (path: string, tag: string) => `${path}.${tag}-${process.pid}-${++uniqueCount}`;

/** Writes this process's pid into a new file (so a waiter can name the holder). */
function writePid(fd: number): void {
  writeSync(fd, `${process.pid}\n`);
}

/** Makes a new key file for the lock at `lockPath`, first sweeping the keys of dead processes. */
function makeKey(lockPath: string): { path: string; ino: number } {
  const dir = dirname(lockPath);
  const prefix = `${basename(lockPath)}.k-`;
  try {
    for (const f of readdirSync(dir)) {
      const pid = f.startsWith(prefix) ? Number(f.slice(prefix.length).split('-')[0]) : NaN;
      if (pid > 0 && pid !== process.pid && !processExists(pid)) remove(join(dir, f), false);
    }
  } catch {
    // Sweeping is housekeeping only.
  }
  const path = join(dir, `${prefix}${process.pid}-${++uniqueCount}`);
  const fd = openPrivate(path, REWRITE);
  try {
    writePid(fd);
    const key = { path, ino: fstatSync(fd).ino };
    keys.set(lockPath, key);
    return key;
  } finally {
    closeSync(fd);
  }
}

/** Creates `path` exclusively (holding our pid); its stat, or undefined when it exists already. */
function createExclusive(path: string): Stats | undefined {
  let fd: number;
  try {
    fd = openPrivate(path, CREATE_NEW);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
    throw e;
  }
  try {
    writePid(fd);
    return fstatSync(fd);
  } finally {
    closeSync(fd);
  }
}

const sameFile = (a: Stats, b: Stats) => a.ino === b.ino && a.dev === b.dev && a.mtimeMs === b.mtimeMs && a.birthtimeMs === b.birthtimeMs;

function statOf(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/**
 * Removes `path` only if it is still exactly the file `seen`: it is renamed to a name of our own
 * first (so nobody can replace it between the check and the removal), then checked. A file that
 * turns out to be another one is linked back (link fails rather than replace a file that took
 * its place in the meantime; that file's holder then fails its fencing check, see the top).
 */
function removeExact(path: string, seen: Stats): boolean {
  const claim = unique(path, 'claim');
  try {
    renameSync(path, claim);
  } catch {
    return false; // gone already
  }
  const st = statOf(claim);
  const exact = st !== undefined && sameFile(st, seen);
  if (!exact) {
    try {
      linkSync(claim, path);
    } catch {
      // Taken meanwhile: see above.
    }
  }
  remove(claim, false);
  return exact;
}

/** Removes a file or (left by older versions, which locked with mkdir) a directory. */
function remove(path: string, strict = true): void {
  try {
    unlinkSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EISDIR' || code === 'EPERM') rmdirSync(path);
    else if (code !== 'ENOENT' && strict) throw e;
  }
}

const age = (st: Stats) => Date.now() - st.mtimeMs;

/** Whether the lock (or takeover) file `st` at `path` was abandoned: stale, or its holder is gone. */
function abandoned(path: string, st: Stats): boolean {
  const a = age(st);
  if (a > STALE_MS) return true;
  if (a < DEAD_CHECK_MS) return false;
  const pid = holderPid(path);
  return pid !== undefined && pid !== process.pid && !processExists(pid);
}

/** The pid written into a lock file, if it can be read. */
function holderPid(path: string): number | undefined {
  try {
    const pid = Number(readFileSync(path, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

export class StateLock {
  readonly stats: LockStats = { acquired: 0, waitMs: [], holdMs: [] };
  /** Keep timings for measurement only when asked (benchmarks, the lock test). */
  record = false;
  /** How long acquire() waits before it gives up with a StateError naming the holder. */
  giveUpMs = GIVE_UP_MS;
  private compromised: StateError | undefined;
  private takeoverPath: string;
  private linksWork = true;

  constructor(private target: string, private lockPath: string) {
    this.takeoverPath = `${lockPath}.takeover`;
    installExitHook();
  }

  /** One attempt: true when the lock is now ours. */
  tryAcquire(): boolean {
    let st: Stats | undefined;
    try {
      st = this.linksWork ? this.linkExclusive() : createExclusive(this.lockPath);
    } catch (e) {
      throw storeIoError(e, dirname(this.lockPath), 'lock');
    }
    if (st !== undefined) {
      held.set(this.lockPath, st);
      return true;
    }
    const seen = statOf(this.lockPath);
    if (seen && abandoned(this.lockPath, seen)) this.takeOverStale(seen);
    return false;
  }

  async acquire(): Promise<() => Promise<void>> {
    const t0 = performance.now();
    let delay = MIN_RETRY_MS;
    while (!this.tryAcquire()) {
      if (performance.now() - t0 > this.giveUpMs) throw this.timeoutError(performance.now() - t0);
      await new Promise((r) => setTimeout(r, delay * (0.5 + Math.random())));
      delay = Math.min(MAX_RETRY_MS, delay * 1.5);
    }
    const t1 = performance.now();
    this.stats.acquired++;
    if (this.record) this.stats.waitMs.push(t1 - t0);
    let released = false;
    return async () => {
      if (released) return;
      released = true;
      if (this.record) this.stats.holdMs.push(performance.now() - t1);
      this.release();
    };
  }

  /**
   * Whether this process still holds the lock with time to spare: the lock file is still this
   * acquisition and younger than STALE_MS - FENCE_MARGIN_MS, so nobody may take it over before
   * the caller's next syscall. When not, the reason is kept for takeCompromised().
   */
  stillHeld(): boolean {
    const mine = held.get(this.lockPath);
    const st = statOf(this.lockPath);
    if (mine && st && sameFile(st, mine) && age(st) < STALE_MS - FENCE_MARGIN_MS) return true;
    const why = !mine ? 'it was not acquired' : !st || !sameFile(st, mine) ? 'another process took it over' : `it was held for ${Math.round(age(st) / 1000)} s, too close to the stale time`;
    this.compromised = new StateError(
      `this process lost the state lock ${this.lockPath} (${why}); its transaction was not written`,
      'Nothing was lost: the state holds what the other process wrote. This happens when a process is stopped or starved for seconds while it commits.',
    );
    return false;
  }

  /** Why the lock was lost (once), or undefined: callers turn it into a refused write. */
  takeCompromised(): StateError | undefined {
    const e = this.compromised;
    this.compromised = undefined;
    return e;
  }

  /**
   * Removes the lock if it is still this acquisition. A young lock cannot have been taken over
   * (takeover needs STALE_MS), so it is unlinked directly: the cheap path every transaction
   * takes. An old one is removed only after claiming it (removeExact). A lock that is not ours
   * any more means we stalled past STALE_MS and someone took over: theirs is left alone.
   */
  private release(): void {
    const mine = held.get(this.lockPath);
    held.delete(this.lockPath);
    if (!mine) return;
    const st = statOf(this.lockPath);
    if (st && sameFile(st, mine)) {
      if (age(st) < STALE_MS - FENCE_MARGIN_MS) {
        try {
          unlinkSync(this.lockPath);
          return;
        } catch {
          // gone: taken over after all
        }
      } else if (removeExact(this.lockPath, mine)) return;
    }
    this.compromised ??= new StateError(`the lock ${this.lockPath} was taken over while held`);
  }

  /** Links this holder's key as the lock; its stat, or undefined when the lock exists already. */
  private linkExclusive(): Stats | undefined {
    for (let i = 0; ; i++) {
      try {
        const key = keys.get(this.lockPath) ?? makeKey(this.lockPath);
        const now = new Date();
        utimesSync(key.path, now, now); // the lock's mtime is its acquisition time
        linkSync(key.path, this.lockPath);
        return statSync(key.path);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EEXIST') return undefined;
        if (code === 'ENOENT' && i === 0) {
          // The key went (its folder was moved aside, or it was swept by mistake): a new one.
          keys.delete(this.lockPath);
          continue;
        }
        if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'EMLINK' || code === 'EXDEV') {
          this.linksWork = false; // no hard links on this file system: plain exclusive creates
          return createExclusive(this.lockPath);
        }
        throw e;
      }
    }
  }

  /**
   * Removes the abandoned lock `seen` under the takeover lock, after checking again that the lock
   * is still that very file (another waiter may have replaced it with a fresh one meanwhile).
   * The next tryAcquire then races for it normally. A takeover file can only be left behind by
   * a process dying (or stopped) within those few syscalls; it is removed once it is stale
   * itself, by the same exact removal.
   */
  private takeOverStale(seen: Stats): void {
    const mine = createExclusive(this.takeoverPath);
    if (mine === undefined) {
      const other = statOf(this.takeoverPath);
      if (other && abandoned(this.takeoverPath, other)) removeExact(this.takeoverPath, other);
      return;
    }
    try {
      const now = statOf(this.lockPath);
      // The same file as inspected, so the same holder that was found stale or dead.
      if (now && sameFile(now, seen)) removeExact(this.lockPath, seen);
    } finally {
      removeExact(this.takeoverPath, mine);
    }
  }

  private timeoutError(waitedMs: number): StateError {
    const pid = holderPid(this.lockPath);
    const st = statOf(this.lockPath);
    const who = pid === undefined ? 'a process that left no pid' : `pid ${pid}${processExists(pid) ? '' : ' (no longer running)'}`;
    return new StateError(
      `could not lock the state ${this.target} within ${Math.round(waitedMs / 1000)} s: the lock ${this.lockPath} is held by ${who}${st ? `, taken ${Math.round(age(st) / 1000)} s ago` : ''}`,
      pid !== undefined && processExists(pid)
        ? `If pid ${pid} is stuck (stopped, or not an orchestrator process), end it (orchestrator stop) and try again.`
        : 'Try again; a lock whose holder died is taken over after it goes stale.',
    );
  }
}
