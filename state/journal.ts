/**
 * The append-only journal beside the snapshot: one JSON line per transaction
 * (`{"s":seq,"o":[ops]}`), and a `{"next":gen}` marker when a newer snapshot supersedes it.
 * Readers keep a byte offset and consume complete lines only, so catching up costs what
 * changed, not the size of the plan.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { Op } from './schema.js';

export type JournalEntry = { s: number; o: Op[] } | { next: number };

export interface JournalScan {
  /** Offset just past the last complete line consumed. */
  end: number;
  /** Bytes after `end` that do not (yet) end in a newline. */
  tornBytes: number;
  /** Set when a complete line is not a valid entry: the journal is corrupt there. */
  corruptAt?: { offset: number; detail: string };
  /** Set when the visitor stopped the scan (at `end`, the start of the line it refused). */
  stopped?: boolean;
}

/** Bytes read at a time: memory stays bounded by this plus the longest line, whatever the file's size. */
const CHUNK_BYTES = 1 << 20;

/**
 * Calls `onLine` for each complete line from `offset` (its text, its offset and the offset
 * past it), reading the file in chunks; `onLine` returns false to stop. Undefined when the
 * file does not exist. Lines appended while it reads are left for the next call.
 */
export function forEachLine(file: string, offset: number, onLine: (text: string, at: number, next: number) => boolean | void): JournalScan | undefined {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  try {
    const size = fstatSync(fd).size;
    if (size <= offset) return { end: offset, tornBytes: 0 };
    const buf = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, size - offset));
    let pos = offset;
    let lineAt = offset;
    let head: Buffer[] = []; // the start of a line that began in an earlier chunk
    while (pos < size) {
      const n = readSync(fd, buf, 0, Math.min(buf.length, size - pos), pos);
      if (n === 0) break;
      pos += n;
      let start = 0;
      for (;;) {
        const nl = buf.indexOf(10, start);
        if (nl < 0 || nl >= n) break;
        const text = head.length ? Buffer.concat([...head, buf.subarray(start, nl)]).toString('utf8') : buf.toString('utf8', start, nl);
        head = [];
        const at = lineAt;
        lineAt = pos - n + nl + 1;
        start = nl + 1;
        if (onLine(text, at, lineAt) === false) return { end: at, tornBytes: 0, stopped: true };
      }
      if (start < n) head.push(Buffer.from(buf.subarray(start, n)));
    }
    return { end: lineAt, tornBytes: pos - lineAt };
  } finally {
    closeSync(fd);
  }
}

/**
 * Visits the entries of complete lines from `offset` (with each line's offset); the visitor
 * returns false to stop. A line that is not an entry ends the scan with `corruptAt`.
 */
export function readJournal(file: string, offset: number, onEntry: (e: JournalEntry, at: number) => boolean | void): JournalScan | undefined {
  let corruptAt = undefined as JournalScan['corruptAt'];
  const scan = forEachLine(file, offset, (text, at) => {
    const e = parseEntry(text);
    if (typeof e === 'string') {
      corruptAt = { offset: at, detail: e };
      return false;
    }
    return onEntry(e, at);
  });
  return scan && corruptAt ? { end: corruptAt.offset, tornBytes: 0, corruptAt } : scan;
}

/** A journal line as an entry, or why it is not one. */
export function parseEntry(text: string): JournalEntry | string {
  try {
    return checkEntry(JSON.parse(text));
  } catch (e) {
    return e instanceof SyntaxError ? e.message : 'not a journal entry';
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const WITH_VALUE = new Set(['task', 'agent', 'group', 'meta', 'alert', 'replace']);

/**
 * The shape of a journal line, checked by hand: every process replays every line, and a
 * full schema parse of each (zod) cost about 0.1 ms per line per process. Lines are written by
 * the store itself, so this guards against damage (a line that parses as JSON but is not an
 * entry), not against foreign input; snapshots are still validated in full.
 */
export function checkEntry(raw: unknown): JournalEntry {
  if (isObject(raw)) {
    if (Number.isInteger(raw.next) && !('s' in raw)) return raw as JournalEntry;
    if (Number.isInteger(raw.s) && Array.isArray(raw.o) && raw.o.every(isOp)) return raw as JournalEntry;
  }
  throw new Error('not a journal entry');
}

function isOp(op: unknown): boolean {
  if (!isObject(op) || typeof op.op !== 'string') return false;
  if (WITH_VALUE.has(op.op)) return isObject(op.v) && (op.op !== 'task' || (typeof op.v.id === 'string' && typeof op.v.status === 'string'));
  if (op.op === 'deltask') return typeof op.id === 'string';
  if (op.op === 'delagent') return typeof op.name === 'string';
  if (op.op === 'delgroup') return typeof op.quad === 'number';
  return false;
}

export function journalName(gen: number): string {
  return `journal.${gen}.jsonl`;
}
