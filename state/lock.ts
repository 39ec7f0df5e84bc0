/**
 * The cross-process state lock: a file `state.lock` that exists only while the lock is held,
 * made with an exclusive create (link(2) fails with EEXIST when it exists), unlinked on release.
 * (A file, not a directory: on ext4 a mkdir/rmdir pair allocates and frees a block.)
 *
 * The lock file is a hard link to this process's own "key" file (`state.lock.k-<pid>-<n>`, made
 * once per process and lock): creating a new inode on every acquisition cost 0.5-1 ms on this
 * machine's ext4 while the run writes (a blocking syscall, one per transaction), a link to an
 * existing inode about 10 µs. The key's mtime is set just before linking, so the lock's mtime
 * is still its acquisition time, and its inode still tells this holder's lock from another's.
 * Keys of processes that died are swept when a new key is made; a key that vanished (the state
 * folder moved aside) is made again. Where hard links are not supported, a new file is created
 * with O_EXCL as before.
 *
 * Every holder keeps it only across one synchronous commit (the store never awaits while
 * holding it), so acquisition and release are synchronous syscalls and the hold time is the
 * commit itself, not an event-loop round trip. A holder that dies leaves the file behind; it
 * goes stale after STALE_MS (its mtime is its acquisition time, and no commit lasts that long).
 *
 * Taking over a stale lock is serialised by a second O_EXCL file, `state.lock.takeover`,
 * held for a few syscalls: its holder checks again that the lock is still the stale one before
 * removing it, so two waiters that both saw it stale cannot both end up holding the lock.
 * Release removes the lock only if it is still the file this holder created (same inode).
 *
 * Waiters poll with short randomised backoff (1 ms growing to 8 ms): holds are short and each
 * process batches its transactions into one acquisition (group commit), so there are only a
 * few contenders at a time.
 */
import { closeSync, fstatSync, linkSync, openSync, readdirSync, rmdirSync, statSync, unlinkSync, utimesSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { processExists } from '../workers/os/process-exists.js';

export const STALE_MS = 2000;
const MIN_RETRY_MS = 1;
const MAX_RETRY_MS = 8;
const GIVE_UP_MS = 60_000;

export interface LockStats {
  acquired: number;
  waitMs: number[];
  holdMs: number[];
}

/** Lock files held by this process (path → inode), removed if it exits while holding one. */
const held = new Map<string, number>();
/** This process's key file per lock path (see the top), removed when it exits. */
const keys = new Map<string, { path: string; ino: number }>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const [p, ino] of held) removeIfOurs(p, ino);
    for (const k of keys.values()) remove(k.path, false);
  });
}
let keyCount = 0;

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
  const path = join(dir, `${prefix}${process.pid}-${++keyCount}`);
  const fd = openSync(path, 'w', 0o600);
  try {
    const key = { path, ino: fstatSync(fd).ino };
    keys.set(lockPath, key);
    return key;
  } finally {
    closeSync(fd);
  }
}

/** Creates `path` exclusively; its inode, or undefined when it exists already. */
function createExclusive(path: string): number | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
    throw e;
  }
  try {
    return fstatSync(fd).ino;
  } finally {
    closeSync(fd);
  }
}

function removeIfOurs(path: string, ino: number): boolean {
  try {
    if (statSync(path).ino !== ino) return false;
    unlinkSync(path);
    return true;
  } catch {
    return false;
  }
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

function ageMs(path: string): number | undefined {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}

export class StateLock {
  readonly stats: LockStats = { acquired: 0, waitMs: [], holdMs: [] };
  /** Keep timings for measurement only when asked (benchmarks, the lock test). */
  record = false;
  private compromised: Error | undefined;
  private takeoverPath: string;
  private linksWork = true;

  constructor(private target: string, private lockPath: string) {
    this.takeoverPath = `${lockPath}.takeover`;
    installExitHook();
  }

  /** One attempt: true when the lock is now ours. */
  tryAcquire(): boolean {
    const ino = this.linksWork ? this.linkExclusive() : createExclusive(this.lockPath);
    if (ino !== undefined) {
      held.set(this.lockPath, ino);
      return true;
    }
    if ((ageMs(this.lockPath) ?? 0) > STALE_MS) this.takeOverStale();
    return false;
  }

  async acquire(): Promise<() => Promise<void>> {
    const t0 = performance.now();
    let delay = MIN_RETRY_MS;
    while (!this.tryAcquire()) {
      if (performance.now() - t0 > GIVE_UP_MS) {
        throw Object.assign(new Error(`could not lock ${this.target} within ${GIVE_UP_MS / 1000}s (held at ${this.lockPath})`), { code: 'ELOCKED' });
      }
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
      const ino = held.get(this.lockPath)!;
      held.delete(this.lockPath);
      // Not ours any more: we stalled past STALE_MS and someone took over. Leave theirs alone;
      // the journal's sequence check catches any interleaving.
      if (!removeIfOurs(this.lockPath, ino)) this.compromised = new Error(`the lock ${this.lockPath} was taken over while held`);
    };
  }

  /** Links this holder's key as the lock; its inode, or undefined when the lock exists already. */
  private linkExclusive(): number | undefined {
    for (let i = 0; ; i++) {
      try {
        const key = keys.get(this.lockPath) ?? makeKey(this.lockPath);
        const now = new Date();
        utimesSync(key.path, now, now); // the lock's mtime is its acquisition time
        linkSync(key.path, this.lockPath);
        return key.ino;
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
   * Removes the stale lock under the takeover lock, after checking again that it is still
   * stale (another waiter may have replaced it with a fresh one meanwhile). The next
   * tryAcquire then races for it normally. A takeover file can only be left behind by a
   * process dying within those few syscalls; it is cleared once it is stale itself.
   */
  private takeOverStale(): void {
    const ino = createExclusive(this.takeoverPath);
    if (ino === undefined) {
      if ((ageMs(this.takeoverPath) ?? 0) > STALE_MS) remove(this.takeoverPath);
      return;
    }
    try {
      if ((ageMs(this.lockPath) ?? 0) > STALE_MS) remove(this.lockPath);
    } finally {
      removeIfOurs(this.takeoverPath, ino);
    }
  }

  takeCompromised(): Error | undefined {
    const e = this.compromised;
    this.compromised = undefined;
    return e;
  }
}
