/**
 * The append-only journal beside the snapshot: one JSON line per transaction
 * (`{"s":seq,"o":[ops]}`), and a `{"next":gen}` marker when a newer snapshot supersedes it.
 * Readers keep a byte offset and consume complete lines only, so catching up costs what
 * changed, not the size of the plan.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { journalLineSchema, type Op } from './schema.js';

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
      parsed = journalLineSchema.parse(JSON.parse(text)) as JournalEntry;
    } catch (e) {
      const detail = e instanceof SyntaxError ? e.message : 'not a journal entry';
      return { entries, end: base + start, tornBytes: 0, corruptAt: { offset: base + start, detail } };
    }
    entries.push(parsed);
    start = nl + 1;
  }
  return { entries, end: base + start, tornBytes: buf.length - start };
}

export function journalName(gen: number): string {
  return `journal.${gen}.jsonl`;
}
