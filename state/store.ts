/**
 * The shared state of a run, one per run directory, used by every process of the run.
 *
 * On disk (`<run dir>/.orchestrator/`): a snapshot `state.json` ({schema, gen, seq, state}),
 * the previous generation `state.json.prev`, and the journal `journal.<gen>.jsonl` of every
 * transaction since that snapshot. A transaction appends one line under the lock, so its cost
 * does not depend on how many tasks the plan has; the snapshot is rewritten (atomically) only
 * when the journal has grown past a multiple of the snapshot's size.
 *
 * Reads take no lock: a reader replays the journal from its cached byte offset and ignores a
 * line that is not complete yet. Within one process, concurrent transactions are queued and
 * committed together under one lock acquisition (group commit).
 */
import { appendFileSync, close, closeSync, existsSync, fdatasync, fstatSync, ftruncateSync, mkdirSync, open, openSync, readdirSync, truncateSync, watch, writeSync, type FSWatcher } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { StateError } from './errors.js';
import { APPEND, appendPrivate, openPrivate } from './private-file.js';
import type { RunEvent } from './events.js';
import { journalName, readJournal } from './journal.js';
import { StateLock } from './lock.js';
import { storeIoError } from './io-errors.js';
import { applyOps } from './ops.js';
import { compactState } from './compact.js';
import type { Op, State } from './schema.js';
import { TaskIndex } from './task-index.js';
import { leftoverFiles, loadSnapshot, RECOVER_HINT, removeLeftovers, snapshotGen, snapshotId, writeGeneration, type SnapshotId } from './snapshot.js';

export interface TxResult<R> {
  ops?: Op[];
  events?: RunEvent[];
  value: R;
}
/**
 * A transaction body: sees the latest state (do not mutate it) and the index of its ready and
 * running tasks (valid for this state only), returns the changes.
 */
export type TxFn<R> = (state: Readonly<State>, index: TaskIndex) => TxResult<R>;

/** The narrow interface every backend implements. */
export interface StateStore {
  /** Loads the state; throws StateError when it is missing or unreadable. */
  open(): Promise<void>;
  /** The latest committed state, caught up without taking the lock. Do not mutate. */
  read(): State;
  transaction<R>(fn: TxFn<R>): Promise<R>;
  /** Calls `cb` after the state changes (file watch with a polling fallback). */
  watch(cb: (state: State) => void, pollMs?: number): () => void;
  close(): Promise<void>;
}

export { loadSnapshot, writeGeneration, type LoadedSnapshot } from './snapshot.js';

export interface StoreOptions {
  /** File that receives the transactions' events (logs/events.jsonl). */
  eventsFile?: string;
  /** Also called with each commit's events, under the lock (so calls come in commit order). */
  onEvents?: (events: RunEvent[]) => void;
  /**
   * fdatasync the journal after appends (default true). The sync runs after the lock is
   * released and transactions have resolved (coalesced, one in flight): holding the lock
   * through a disk flush would serialise every process behind the disk. A machine crash can
   * then lose the last few milliseconds of transitions, which recovery treats as a torn tail;
   * a crashed process loses nothing (its writes are in the page cache).
   */
  durable?: boolean;
  /** Compact when the journal exceeds max(this, 2 × snapshot size) bytes. */
  compactBytes?: number;
}

/**
 * Where `reset` and `run --fresh` keep earlier states: `<dir>/history/<time>/state/` (the run
 * directory's history, see orchestrator/run-dir/run-history.ts). Older versions moved a state
 * aside as a sibling `<dir>.old-<ISO time>`; both are read for the fence below.
 */
export const HISTORY_SUBDIR = 'history';
export const ASIDE_INFIX = '.old-';

/** Earlier states of `dir`, newest first: its history entries, then legacy siblings. */
function statesAside(dir: string): string[] {
  const list = (parent: string, pick: (n: string) => boolean): string[] => {
    try {
      return readdirSync(parent).filter(pick).sort().reverse();
    } catch {
      return [];
    }
  };
  const history = join(dir, HISTORY_SUBDIR);
  const prefix = basename(dir) + ASIDE_INFIX;
  return [
    ...list(history, () => true).map((n) => join(history, n, 'state')),
    ...list(dirname(dir), (n) => n.startsWith(prefix)).map((n) => join(dirname(dir), n)),
  ];
}

/**
 * The last fencing token handed out by the newest earlier state of `dir` (0 if none can be
 * read). A new state starts above it, so fencing tokens never go back within a run directory:
 * a worker of the old run that reports late holds a token the new state never issued.
 */
async function lastFenceAside(dir: string): Promise<number> {
  for (const old of statesAside(dir)) {
    try {
      const store = new FileStateStore(old);
      await store.open();
      return store.read().meta.fence;
    } catch {
      // unreadable: the one before it
    }
  }
  return 0;
}

/** How long an append may wait for its fdatasync (see syncSoon). */
export const SYNC_DELAY_MS = 5;

interface Pending {
  fn: TxFn<unknown>;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

export class FileStateStore implements StateStore {
  readonly snapshotFile: string;
  readonly lock: StateLock;
  private state: State | undefined;
  private gen = 0;
  /** The snapshot file this state came from (see SnapshotId): a different one means replaced. */
  private snapId: SnapshotId | undefined;
  /** Counts full loads, so watchers notice a replaced state even at an equal gen and seq. */
  private loads = 0;
  private seq = 0;
  private offset = 0;
  private snapshotBytes = 0;
  private queue: Pending[] = [];
  private draining = false;
  private watchers = new Set<() => void>();
  private idx: TaskIndex | undefined;
  private syncing: Promise<void> | undefined;
  private syncAgain = false;

  constructor(readonly dir: string, private opts: StoreOptions = {}) {
    this.snapshotFile = join(dir, 'state.json');
    this.lock = new StateLock(this.snapshotFile, join(dir, 'state.lock'));
  }

  static exists(dir: string): boolean {
    return existsSync(join(dir, 'state.json'));
  }

  /**
   * Creates a new store holding `state`. Refuses to overwrite an existing one, and to start
   * over where a snapshot is missing but its backup or journals are there (a deleted or lost
   * `state.json`): `state recover` can restore that run, a new one would destroy it.
   */
  static async create(dir: string, state: State, opts: StoreOptions = {}): Promise<FileStateStore> {
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
    } catch (e) {
      throw storeIoError(e, dir, 'create the state folder');
    }
    const store = new FileStateStore(dir, opts);
    const release = await store.lock.acquire();
    try {
      if (FileStateStore.exists(dir)) throw new StateError(`a state already exists in ${dir}`, 'Use --fresh to start over.');
      state = { ...state, meta: { ...state.meta, fence: Math.max(state.meta.fence, await lastFenceAside(dir)) } };
      const left = leftoverFiles(dir);
      if (left.length) throw new StateError(`the state file ${store.snapshotFile} is missing, but ${left.join(', ')} of a run are there`, RECOVER_HINT);
      store.writeGeneration(0, 0, state);
      store.snapId = snapshotId(store.snapshotFile);
    } catch (e) {
      throw storeIoError(e, dir, 'write the new state');
    } finally {
      await release();
    }
    store.state = structuredClone(state);
    return store;
  }

  async open(): Promise<void> {
    this.reload();
  }

  read(): State {
    // A compaction by another process can move files under a lock-free reader: retry briefly.
    for (let i = 0; ; i++) {
      try {
        this.catchUp(false);
        return this.state!;
      } catch (e) {
        if (i >= 3) throw e;
        this.state = undefined;
      }
    }
  }

  get sequence(): number {
    return this.seq;
  }

  /** Ready and running tasks of the state `read()` last returned (kept up to date op by op). */
  index(): TaskIndex {
    return (this.idx ??= TaskIndex.of(this.state!));
  }

  transaction<R>(fn: TxFn<R>): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ fn: fn as TxFn<unknown>, resolve: resolve as (v: unknown) => void, reject });
      if (!this.draining) void this.drain();
    });
  }

  watch(cb: (state: State) => void, pollMs = 500): () => void {
    let last = -1;
    let lastGen = -1;
    let lastLoads = -1;
    const check = () => {
      try {
        const s = this.read();
        if (this.seq !== last || this.gen !== lastGen || this.loads !== lastLoads) {
          last = this.seq;
          lastGen = this.gen;
          lastLoads = this.loads;
          cb(s);
        }
      } catch {
        // Transient (a compaction in progress); the next tick retries.
      }
    };
    let fsw: FSWatcher | undefined;
    try {
      // The lock directory comes and goes with every transaction: only data files matter.
      fsw = watch(this.dir, { persistent: false }, (_type, file) => {
        if (!file || !String(file).startsWith('state.lock')) check();
      });
    } catch {
      fsw = undefined;
    }
    const timer = setInterval(check, pollMs);
    timer.unref();
    const stop = () => {
      clearInterval(timer);
      fsw?.close();
      this.watchers.delete(stop);
    };
    this.watchers.add(stop);
    check();
    return stop;
  }

  async close(): Promise<void> {
    for (const stop of [...this.watchers]) stop();
    while (this.draining) await new Promise((r) => setTimeout(r, 1));
    while (this.syncing) await this.syncing;
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.queue.length) {
        const batch = this.queue.splice(0);
        let release: (() => Promise<void>) | undefined;
        try {
          release = await this.lock.acquire();
          this.commit(batch);
        } catch (e) {
          // Nothing of the batch was written (see append); the state in memory may hold it:
          // the next read or commit reloads from the files.
          this.forget();
          for (const p of batch) p.reject(e);
        } finally {
          await release?.();
        }
        // Taken over while we held it (we stalled past the stale time after writing): what we
        // wrote was checked under the lock, but our view may be behind theirs: reload.
        if (this.lock.takeCompromised()) this.forget();
      }
    } finally {
      this.draining = false;
    }
  }

  /**
   * fdatasync of the current journal, outside the lock, SYNC_DELAY_MS after an append: appends
   * within that window (and while a sync is in flight) share one flush, so a burst of short
   * tasks costs a few disk flushes a second instead of one per transaction.
   */
  private syncSoon(): void {
    if (this.opts.durable === false) return;
    if (this.syncing) {
      this.syncAgain = true;
      return;
    }
    const file = join(this.dir, journalName(this.gen));
    this.syncing = new Promise<void>((resolve) => {
      setTimeout(() => open(file, 'r', (err, fd) => {
        if (err) return resolve();
        fdatasync(fd, () => close(fd, () => resolve()));
      }), SYNC_DELAY_MS);
    }).then(() => {
      this.syncing = undefined;
      if (this.syncAgain) {
        this.syncAgain = false;
        this.syncSoon();
      }
    });
  }

  /** Runs a batch of transactions under the lock held by the caller. */
  private commit(batch: Pending[]): void {
    if (this.state) this.catchUp(true);
    else this.reload(true);
    let state = this.state!;
    const index = this.index();
    const lines: string[] = [];
    const events: RunEvent[] = [];
    const settled: Array<() => void> = [];
    for (const p of batch) {
      let res: TxResult<unknown>;
      try {
        res = p.fn(state, index);
      } catch (e) {
        settled.push(() => p.reject(e));
        continue;
      }
      if (res.ops?.length) {
        state = applyOps(state, res.ops);
        index.apply(res.ops, state);
        this.seq++;
        lines.push(JSON.stringify({ s: this.seq, o: res.ops }));
      }
      if (res.events) events.push(...res.events);
      settled.push(() => p.resolve(res.value));
    }
    this.state = state;
    if (lines.length) this.append(lines.join('\n') + '\n');
    // Committed from here on: a log that cannot be written must not undo it.
    try {
      if (events.length && this.opts.eventsFile) {
        appendPrivate(this.opts.eventsFile, events.map((e) => JSON.stringify(e)).join('\n') + '\n');
      }
      if (events.length && this.opts.onEvents) this.opts.onEvents(events);
    } catch {
      // (the run's own log writers report a full disk where they write)
    }
    if (this.offset > Math.max(this.opts.compactBytes ?? 4 << 20, 2 * this.snapshotBytes)) this.compactIfHeld();
    for (const s of settled) s();
  }

  /** Drops the state in memory: the next read or commit loads it from the files again. */
  private forget(): void {
    this.state = undefined;
    this.idx = undefined;
  }

  /**
   * Appends committed lines to the journal, fenced (state/lock.ts): refused unless this process
   * still holds the lock and the journal is still exactly as long as when it caught up under
   * it, so a holder that lost the lock never interleaves a line. A failed or short write (full
   * disk) is cut back off, so no torn line is left to break the next open.
   */
  private append(text: string): void {
    const file = join(this.dir, journalName(this.gen));
    const buf = Buffer.from(text);
    let fd: number;
    try {
      fd = openPrivate(file, APPEND);
    } catch (e) {
      if (e instanceof StateError) throw e;
      throw storeIoError(e, this.dir, 'append to the journal');
    }
    try {
      const size = fstatSync(fd).size;
      if (size !== this.offset) {
        this.lock.stillHeld(); // names why, when the lock is the reason
        throw this.lock.takeCompromised() ?? new StateError(`the journal ${file} changed under the lock (${size} bytes, expected ${this.offset}); this transaction was not written`, RECOVER_HINT);
      }
      if (!this.lock.stillHeld()) throw this.lock.takeCompromised()!;
      let n = 0;
      try {
        n = writeSync(fd, buf);
      } catch (e) {
        throw this.cutBack(fd, size, e);
      }
      if (n !== buf.length) throw this.cutBack(fd, size, Object.assign(new Error('short write'), { code: 'ENOSPC' }));
      this.offset += n;
      // Another writer between our check and our write (see the top of lock.ts): too late to
      // refuse; replay refuses the repeated sequence number and `state recover` repairs it.
      if (fstatSync(fd).size !== size + n) {
        throw new StateError(`another process wrote to ${file} while this one held the lock; the journal needs repair`, RECOVER_HINT);
      }
    } finally {
      closeSync(fd);
    }
    this.syncSoon();
  }

  /** Truncates the journal back to `size` after a failed write; the error to throw. */
  private cutBack(fd: number, size: number, e: unknown): unknown {
    try {
      ftruncateSync(fd, size);
    } catch {
      // Nothing more can be done here; the next writer cuts a torn tail off (catchUp).
    }
    return storeIoError(e, this.dir, 'append to the journal');
  }

  /**
   * Compacts unless the lock was lost meanwhile (the transactions are written already; a
   * compaction that fails, e.g. on a full disk, is tried again after the next commit).
   */
  private compactIfHeld(): void {
    if (!this.lock.stillHeld()) {
      this.lock.takeCompromised();
      return;
    }
    try {
      this.compact();
    } catch {
      removeLeftovers(this.dir, this.gen);
    }
  }

  /** Writes the next generation: the old snapshot becomes `.prev`, the old journal gets a marker. */
  private compact(): void {
    const next = this.gen + 1;
    // Finished tasks' records shrink (state/compact.ts): a state from an older version, or
    // written before a record was compacted at finish, does not carry that history on.
    const state = compactState(this.state!);
    this.writeGeneration(next, this.seq, state);
    if (state !== this.state) {
      this.state = state;
      this.idx = undefined;
    }
    this.snapId = snapshotId(this.snapshotFile); // ours, under the lock: no need to reload it
    appendPrivate(join(this.dir, journalName(this.gen)), JSON.stringify({ next }) + '\n');
    removeLeftovers(this.dir, this.gen);
    this.gen = next;
    this.offset = 0;
  }

  private writeGeneration(gen: number, seq: number, state: State): void {
    this.snapshotBytes = writeGeneration(this.dir, gen, seq, state);
  }

  /** Loads the snapshot and replays its journal from the start. */
  private reload(locked = false): void {
    const snap = loadSnapshot(this.snapshotFile);
    this.state = snap.state;
    this.idx = undefined;
    this.snapId = snap.id;
    this.loads++;
    this.gen = snap.gen;
    this.seq = snap.seq;
    this.offset = 0;
    this.snapshotBytes = snap.bytes;
    this.catchUp(locked, true);
  }

  /**
   * Applies journal lines written since the cached offset, read in chunks (bounded memory). Each
   * entry must carry the next sequence number: a repeated or skipped one is damage (two
   * writers, a lost line) and is refused with the file and byte offset, never skipped. Under the
   * lock (`locked`), a torn tail left by a writer that died mid-append is cut off; without it,
   * it is left for later.
   */
  private catchUp(locked: boolean, fresh = false): void {
    // A compactor that died after installing the new snapshot but before marking the old journal
    // would leave this process appending to a journal nobody reads: follow the snapshot file,
    // not only the marker. A state replaced as a whole (reset, --fresh) can even start over at
    // the same generation and journal offset. Snapshots are only ever installed by rename, never
    // changed in place, so the file's identity (dev:ino:ctime, one stat) answers both.
    if (!this.state) return this.reload(locked);
    if (!fresh && snapshotId(this.snapshotFile) !== this.snapId) return this.reload(locked);
    const file = join(this.dir, journalName(this.gen));
    let stop: 'next' | { at: number; s: number } | undefined;
    let scan;
    try {
      scan = readJournal(file, this.offset, (e, at) => {
        // A newer snapshot exists; it already contains everything this journal held.
        if ('next' in e) {
          stop = 'next';
          return false;
        }
        if (e.s !== this.seq + 1) {
          stop = { at, s: e.s };
          return false;
        }
        this.state = applyOps(this.state!, e.o);
        this.idx?.apply(e.o, this.state);
        this.seq = e.s;
        return true;
      });
    } catch (e) {
      this.forget();
      throw e;
    }
    if (!scan) {
      // Missing right after loading its snapshot: damage, unless a compaction moved on meanwhile
      // (a reader opening while writers compact fast can lose that race).
      if (fresh && snapshotGen(this.snapshotFile) === this.gen) throw new StateError(`the journal ${file} is missing`, RECOVER_HINT);
      return this.reload(locked);
    }
    if (scan.corruptAt) {
      this.forget();
      throw new StateError(`the journal ${file} is corrupt at byte ${scan.corruptAt.offset}: ${scan.corruptAt.detail}`, RECOVER_HINT);
    }
    this.offset = scan.end;
    if (stop === 'next') {
      // Straight after loading, a marker for a snapshot that is not there is damage: reloading would loop.
      if (fresh && snapshotId(this.snapshotFile) === this.snapId) {
        this.forget();
        throw new StateError(`the journal ${file} says generation ${this.gen + 1} follows, but ${this.snapshotFile} is still generation ${this.gen}`, RECOVER_HINT);
      }
      return this.reload(locked);
    }
    if (stop) {
      const { at, s } = stop;
      this.forget();
      // Straight after loading the snapshot this cannot be a race (a state replaced meanwhile):
      // reloading would loop. Later, one reload tells the two apart.
      if (!fresh) return this.reload(locked);
      const what = s <= this.seq ? `repeats sequence ${s}` : `skips from sequence ${this.seq} to ${s}`;
      throw new StateError(`the journal ${file} ${what} at byte ${at} (snapshot generation ${this.gen})`, RECOVER_HINT);
    }
    if (locked && scan.tornBytes > 0) truncateSync(file, scan.end);
  }
}
