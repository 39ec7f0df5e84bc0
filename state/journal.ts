/**
 * The append-only journal beside the snapshot: one JSON line per transaction
 * (`{"s":seq,"o":[ops]}`), and a `{"next":gen}` marker when a newer snapshot supersedes it.
 * Readers keep a byte offset and consume complete lines only, so catching up costs what
 * changed, not the size of the plan.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { Op } from './schema.js';

export type JournalEntry = { s: number; o: Op[] } | { next: number };

export interface JournalChunk {
  entries: JournalEntry[];
  /** Offset just past the last complete line consumed. */
  end: number;
  /** Bytes after `end` that do not (yet) end in a newline. */
  tornBytes: number;
  /** Set when a complete line is not a valid entry: the journal is corrupt there. */
  corruptAt?: { offset: number; detail: string };
}

/** Reads complete lines from `offset`; returns undefined when the file does not exist. */
export function readJournal(file: string, offset: number): JournalChunk | undefined {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  try {
    const size = fstatSync(fd).size;
    if (size <= offset) return { entries: [], end: offset, tornBytes: Math.max(0, size - offset) };
    const buf = Buffer.allocUnsafe(size - offset);
    let got = 0;
    while (got < buf.length) {
      const n = readSync(fd, buf, got, buf.length - got, offset + got);
      if (n === 0) break;
      got += n;
    }
    return parseLines(buf.subarray(0, got), offset);
  } finally {
    closeSync(fd);
  }
}

function parseLines(buf: Buffer, base: number): JournalChunk {
  const entries: JournalEntry[] = [];
  let start = 0;
  for (;;) {
    const nl = buf.indexOf(10, start);
    if (nl < 0) break;
    const text = buf.toString('utf8', start, nl);
    let parsed: JournalEntry;
    try {
      parsed = checkEntry(JSON.parse(text));
    } catch (e) {
      const detail = e instanceof SyntaxError ? e.message : 'not a journal entry';
      return { entries, end: base + start, tornBytes: 0, corruptAt: { offset: base + start, detail } };
    }
    entries.push(parsed);
    start = nl + 1;
  }
  return { entries, end: base + start, tornBytes: buf.length - start };
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
