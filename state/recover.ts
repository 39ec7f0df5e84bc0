/**
 * `orchestrator state recover`: rebuilds the state from the last good snapshot generation and
 * every journal line that still parses and follows in sequence, then starts a new generation
 * from it. Whether there is anything to repair is decided by the store's own open (one
 * validity check: a state recover calls healthy is one `status` and the workers accept, and
 * the repaired state is checked the same way before recover reports success).
 *
 * Lines are judged one by one in file order: a line that does not parse (garbage, a torn
 * write), one that repeats or skips a sequence number (two writers, two compactions at once),
 * and anything after a journal's end-of-generation marker are dropped and reported; every
 * later line that follows in sequence is still kept. Damaged files are renamed aside
 * (`*.corrupt-<time>`, byte for byte), never deleted.
 */
import { existsSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { StateError } from './errors.js';
import { forEachLine, journalName, parseEntry } from './journal.js';
import { StateLock } from './lock.js';
import { applyOps } from './ops.js';
import type { State } from './schema.js';
import { storeIoError } from './io-errors.js';
import { writeFileAtomic } from './atomic-write.js';
import { FileStateStore, loadSnapshot, writeGeneration, type LoadedSnapshot } from './store.js';

/** A journal line recover left out, and why. */
export interface DroppedLine {
  file: string;
  offset: number;
  bytes: number;
  seq?: number;
  why: string;
}

/** The lines of one journal that went into the recovered state. */
export interface KeptRange {
  file: string;
  count: number;
  from: number;
  to: number;
}

export interface RecoverReport {
  healthy: boolean;
  /** What the store refused (its error's first line), when it did. */
  problem?: string;
  /** The snapshot the state was rebuilt from. */
  base?: string;
  baseSeq?: number;
  /** Journal entries applied on top of the base. */
  replayed: number;
  seq: number;
  kept: KeptRange[];
  dropped: DroppedLine[];
  /** Files renamed aside because they were damaged. */
  movedAside: string[];
  /** Journal bytes left out (lost or conflicting transactions). */
  droppedBytes: number;
}

export async function recoverState(dir: string): Promise<RecoverReport> {
  const snapshot = join(dir, 'state.json');
  if (!existsSync(dir) || (!existsSync(snapshot) && !existsSync(`${snapshot}.prev`))) {
    throw new StateError(`no run state in ${dir}`, 'Nothing to recover; start a run with `orchestrator run`.');
  }
  const lock = new StateLock(snapshot, join(dir, 'state.lock'));
  const release = await lock.acquire();
  try {
    const first = await verdict(dir);
    if (typeof first === 'number') return { healthy: true, replayed: 0, seq: first, kept: [], dropped: [], movedAside: [], droppedBytes: 0 };
    const report = rebuild(dir, snapshot, first);
    const still = await verdict(dir);
    if (typeof still === 'string') throw new StateError(`the state in ${dir} was rebuilt but is still refused: ${still}`, 'Please report this; the damaged files are kept aside.');
    return report;
  } catch (e) {
    throw storeIoError(e, dir, 'recover the state');
  } finally {
    await release();
  }
}

/** The store's own verdict: the sequence it opens the state at, or why it refuses (first line). */
async function verdict(dir: string): Promise<number | string> {
  const store = new FileStateStore(dir);
  try {
    await store.open();
    return store.sequence;
  } catch (e) {
    if (!(e instanceof StateError)) throw e;
    return e.message.split('\n')[0]!;
  }
}

function tryLoad(file: string): LoadedSnapshot | undefined {
  try {
    return loadSnapshot(file);
  } catch {
    return undefined;
  }
}

function journalGens(dir: string): number[] {
  return readdirSync(dir)
    .map((f) => /^journal\.(\d+)\.jsonl$/.exec(f)?.[1])
    .filter((g): g is string => g !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
}

function rebuild(dir: string, snapshot: string, problem: string): RecoverReport {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const current = tryLoad(snapshot);
  const base = current ?? tryLoad(`${snapshot}.prev`);
  if (!base) throw new StateError(`neither ${snapshot} nor its .prev backup can be read`, 'The run cannot be recovered; start over with `orchestrator run --fresh` (the old files are moved aside).');

  let state: State = base.state;
  let seq = base.seq;
  const kept: KeptRange[] = [];
  const dropped: DroppedLine[] = [];
  const damagedFiles: string[] = [];
  const gens = journalGens(dir).filter((g) => g >= base.gen);
  for (const gen of gens) {
    const file = join(dir, journalName(gen));
    let range: KeptRange | undefined;
    let marker: number | undefined;
    const before = dropped.length;
    const drop = (at: number, next: number, why: string, s?: number) => dropped.push({ file, offset: at, bytes: next - at, seq: s, why });
    const scan = forEachLine(file, 0, (text, at, next) => {
      const e = parseEntry(text);
      if (typeof e === 'string') return void drop(at, next, `unreadable (${e})`);
      if (marker !== undefined) return void drop(at, next, `after the end-of-generation marker (generation ${marker} follows)`, 's' in e ? e.s : undefined);
      if ('next' in e) return void (marker = e.next);
      if (e.s !== seq + 1) return void drop(at, next, e.s <= seq ? `repeats sequence ${e.s} (already at ${seq})` : `skips from sequence ${seq} to ${e.s}`, e.s);
      state = applyOps(state, e.o);
      seq = e.s;
      range ??= { file, count: 0, from: e.s, to: e.s };
      range.count++;
      range.to = e.s;
    });
    if (!scan) continue;
    if (scan.tornBytes) dropped.push({ file, offset: scan.end, bytes: scan.tornBytes, why: 'an incomplete last line (a write cut short)' });
    if (range) kept.push(range);
    if (dropped.length > before) damagedFiles.push(file);
  }

  const movedAside: string[] = [];
  const aside = (file: string) => {
    renameSync(file, `${file}.corrupt-${stamp}`);
    movedAside.push(`${file}.corrupt-${stamp}`);
  };
  if (!current && existsSync(snapshot)) aside(snapshot);
  for (const f of damagedFiles) aside(f);
  const nextGen = Math.max(base.gen, ...gens) + 1;
  writeGeneration(dir, nextGen, seq, state);
  // The backup becomes the recovered state too, so a later recovery starts from it and its
  // journal rather than from a generation whose journal was moved aside.
  writeFileAtomic(`${snapshot}.prev`, readFileSync(snapshot));
  return {
    healthy: false,
    problem,
    base: current ? 'state.json' : 'state.json.prev',
    baseSeq: base.seq,
    replayed: kept.reduce((n, k) => n + k.count, 0),
    seq,
    kept,
    dropped,
    movedAside,
    droppedBytes: dropped.reduce((n, d) => n + d.bytes, 0),
  };
}
