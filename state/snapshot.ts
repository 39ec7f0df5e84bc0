/**
 * The snapshot file of a generation, `state.json` = {schema, gen, seq, state}, and its backup
 * `state.json.prev`: writing a new generation, reading one back (validated), the file's
 * identity (which tells a new generation or a replaced state) and its header's generation.
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, fstatSync, openSync, readdirSync, readFileSync, readSync, statSync, unlinkSync, type Stats } from 'node:fs';
import { dirname, join } from 'node:path';
import { StateError } from './errors.js';
import { writeFileAtomic } from './atomic-write.js';
import { processExists } from '../workers/os/process-exists.js';
import { journalName } from './journal.js';
import { STATE_SCHEMA, stateSchemas, type Snapshot, type State } from './schema.js';

export const RECOVER_HINT = 'Run `orchestrator state recover` to restore the last good generation (the damaged file is kept beside it).';

/**
 * Which file a snapshot is: device, inode and change time. Every generation is a new file
 * (written aside and renamed into place) and a snapshot is never modified after that, so a
 * different identity under the same path with the same generation number means the whole state
 * was replaced (`reset`, `run --fresh` move the folder aside and create a new one). The change
 * time guards against the inode of a deleted old snapshot being reused.
 */
export type SnapshotId = string;

const identity = (st: Stats): SnapshotId => `${st.dev}:${st.ino}:${st.ctimeMs}`;

/** The generation named in a snapshot's header ({"schema":1,"gen":N,...}, a 64-byte read); -1 when unreadable. */
export function snapshotGen(file: string): number {
  const buf = Buffer.alloc(64);
  let n = 0;
  try {
    const fd = openSync(file, 'r');
    try {
      n = readSync(fd, buf, 0, buf.length, 0);
    } finally {
      closeSync(fd);
    }
  } catch {
    return -1;
  }
  const m = /^\{"schema":\d+,"gen":(\d+),/.exec(buf.toString('utf8', 0, n));
  return m ? Number(m[1]) : -1;
}

function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/** The identity of the snapshot file now at `file` (undefined when there is none). */
export function snapshotId(file: string): SnapshotId | undefined {
  try {
    return identity(statSync(file));
  } catch {
    return undefined;
  }
}

/**
 * Starts generation `gen`: an empty journal first (so a reader that sees the new snapshot finds
 * its journal), then the old snapshot copied to `.prev`, then the new snapshot. Returns its size.
 */
export function writeGeneration(dir: string, gen: number, seq: number, state: State): number {
  const snapshot = join(dir, 'state.json');
  const journal = join(dir, journalName(gen));
  // Never truncate a journal that holds lines: only a second compactor racing this one (a
  // holder that lost the lock) can have written it.
  if (sizeOf(journal) > 0) {
    throw new StateError(`the journal ${journal} of the new generation holds lines already (two compactions at once?)`, RECOVER_HINT);
  }
  writeFileAtomic(journal, '');
  if (existsSync(snapshot)) {
    try {
      loadSnapshot(snapshot);
      writeFileAtomic(`${snapshot}.prev`, readFileSync(snapshot));
    } catch {
      // Never let a damaged snapshot overwrite the last good backup.
    }
  }
  const text = snapshotText(gen, seq, state);
  writeFileAtomic(snapshot, text);
  // The first generation is its own backup, so `state recover` works before any compaction.
  if (!existsSync(`${snapshot}.prev`)) writeFileAtomic(`${snapshot}.prev`, text);
  return text.length;
}

/**
 * `{"schema":1,"gen":G,"seq":S,"sum":"<sha256>","state":{...}}`, the sum taken over the header's
 * numbers and the state text. It lets a reader trust a snapshot this code wrote (from a typed
 * state) without the full schema check: the bytes are exactly those written. Anything else —
 * damaged, edited by hand, written by an older version without a sum — gets the zod check.
 */
function snapshotText(gen: number, seq: number, state: State): string {
  const body = JSON.stringify(state);
  return `{"schema":${STATE_SCHEMA},"gen":${gen},"seq":${seq},"sum":"${checksum(STATE_SCHEMA, gen, seq, body)}","state":${body}}`;
}

const checksum = (schema: unknown, gen: unknown, seq: unknown, body: string) =>
  createHash('sha256').update(`${String(schema)}:${String(gen)}:${String(seq)}:`).update(body).digest('hex');
const STATE_KEY = ',"state":';

/** Whether the snapshot's sum matches its header numbers and state text (the header holds nothing else). */
function vouchedFor(text: string, raw: { schema?: unknown; gen?: unknown; seq?: unknown; sum?: unknown }): boolean {
  if (typeof raw.sum !== 'string') return false;
  const at = text.indexOf(STATE_KEY);
  return at > 0 && text.endsWith('}') && checksum(raw.schema, raw.gen, raw.seq, text.slice(at + STATE_KEY.length, -1)) === raw.sum;
}

export interface LoadedSnapshot {
  gen: number;
  seq: number;
  state: State;
  bytes: number;
  /** The file the state was read from (read through one descriptor, so they match). */
  id: SnapshotId;
}

/**
 * What is left of a run in `dir` besides its snapshot: the backup and journals. With no
 * snapshot beside them, the state was deleted or lost, and `state recover` can restore it.
 */
export function leftoverFiles(dir: string): string[] {
  try {
    // An empty journal holds nothing to lose (a first generation cut short before its snapshot).
    return readdirSync(dir).filter((f) => f === 'state.json.prev' || (/^journal\.\d+\.jsonl$/.test(f) && sizeOf(join(dir, f)) > 0)).sort();
  } catch {
    return [];
  }
}

/** Reads and validates a snapshot file; anything unreadable is a StateError, never replaced. */
export function loadSnapshot(file: string): LoadedSnapshot {
  if (!existsSync(file)) {
    const left = leftoverFiles(dirname(file));
    if (left.length) throw new StateError(`the state file ${file} is missing, but ${left.join(', ')} of a run are there`, RECOVER_HINT);
    throw new StateError(`no run state at ${file}`, 'Start a run first: `orchestrator run` (or pass --run-dir).');
  }
  let text: string;
  let id: SnapshotId;
  try {
    const fd = openSync(file, 'r');
    try {
      id = identity(fstatSync(fd));
      text = readFileSync(fd, 'utf8');
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    // Replaced or removed between the check and the open: as if it had not been there.
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return loadSnapshot(file);
    throw new StateError(`the state file ${file} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, RECOVER_HINT);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    const size = statSync(file).size;
    throw new StateError(`the state file ${file} is corrupt (${size} bytes, ${(e as Error).message})`, RECOVER_HINT);
  }
  const schema = (raw as { schema?: unknown })?.schema;
  if (typeof schema === 'number' && schema > STATE_SCHEMA) {
    throw new StateError(`the state file ${file} has schema ${schema}; this version reads ${STATE_SCHEMA}`, 'Upgrade the orchestrator, or start over with --fresh.');
  }
  const snap = vouchedFor(text, raw as Record<string, unknown>) ? (raw as Snapshot) : validated(file, raw);
  return { gen: snap.gen, seq: snap.seq, state: snap.state, bytes: text.length, id };
}

function validated(file: string, raw: unknown): Snapshot {
  const parsed = stateSchemas().snapshot.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new StateError(`the state file ${file} is invalid at ${issue.path.join('.') || '(root)'}: ${issue.message}`, RECOVER_HINT);
  }
  return parsed.data;
}

/**
 * After a compaction (under the lock): journals older than `keepFrom` (the generation `.prev`
 * holds, whose journal recovery replays) and temp files of writers that died mid-write. Both
 * are only left behind by processes killed part-way through; without this they pile up.
 */
export function removeLeftovers(dir: string, keepFrom: number): void {
  for (const f of readdirSync(dir)) {
    const gen = /^journal\.(\d+)\.jsonl$/.exec(f)?.[1];
    const pid = /\.tmp-(\d+)$/.exec(f)?.[1];
    if ((gen !== undefined && Number(gen) < keepFrom) || (pid !== undefined && !processExists(Number(pid)))) {
      try {
        unlinkSync(join(dir, f));
      } catch {
        // gone already
      }
    }
  }
}
