/** Follows logs/events.jsonl by byte offset: each read returns only the new complete lines. */
import { closeSync, existsSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import type { RunEvent } from './events.js';

export class EventTail {
  private offset = 0;

  constructor(private file: string, o: { fromEnd?: boolean } = {}) {
    if (o.fromEnd && existsSync(file)) this.offset = statSync(file).size;
  }

  read(): RunEvent[] {
    let fd: number;
    try {
      fd = openSync(this.file, 'r');
    } catch {
      return [];
    }
    try {
      const size = fstatSync(fd).size;
      if (size < this.offset) this.offset = 0; // rotated or reset
      if (size === this.offset) return [];
      const buf = Buffer.alloc(size - this.offset);
      const n = readSync(fd, buf, 0, buf.length, this.offset);
      const text = buf.toString('utf8', 0, n);
      const end = text.lastIndexOf('\n');
      if (end < 0) return [];
      this.offset += Buffer.byteLength(text.slice(0, end + 1));
      const out: RunEvent[] = [];
      for (const line of text.slice(0, end).split('\n')) {
        try {
          if (line) out.push(JSON.parse(line) as RunEvent);
        } catch {
          // a damaged line is skipped, the rest still counts
        }
      }
      return out;
    } finally {
      closeSync(fd);
    }
  }
}
