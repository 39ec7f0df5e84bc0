/**
 * The last lines of a text file (orchestrator.log, a task's log), read from its end so a long
 * run's log costs the same as a short one. Re-reads only when the file's size changed.
 */
import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';

/** The last `lines` complete-or-not lines of `file` (at most `maxBytes` read); [] when missing. */
export function tailLines(file: string, lines: number, maxBytes = 64 * 1024): string[] {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return [];
  }
  try {
    const size = fstatSync(fd).size;
    const len = Math.min(size, maxBytes);
    const buf = Buffer.alloc(len);
    const n = readSync(fd, buf, 0, len, size - len);
    const all = buf.toString('utf8', 0, n).split('\n');
    if (len < size) all.shift(); // probably cut mid-line
    if (all.length && all[all.length - 1] === '') all.pop();
    return all.slice(-lines);
  } finally {
    closeSync(fd);
  }
}

/** Follows a file's tail: `read()` returns the cached lines unless the file grew or shrank. */
export class LogTail {
  private size = -1;
  private lines: string[] = [];

  constructor(private file: string, private keep = 200, private maxBytes?: number) {}

  read(): string[] {
    let size: number;
    try {
      size = statSync(this.file).size;
    } catch {
      return [];
    }
    if (size !== this.size) {
      this.size = size;
      this.lines = tailLines(this.file, this.keep, this.maxBytes);
    }
    return this.lines;
  }
}
