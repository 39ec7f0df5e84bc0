/** Crash-safe whole-file writes: temp file, fsync, rename, fsync of the folder. */
import { closeSync, fsyncSync, openSync, renameSync, writeSync } from 'node:fs';
import { openPrivate, REWRITE } from './private-file.js';
import { dirname } from 'node:path';

export function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export function writeFileAtomic(file: string, data: string | Uint8Array, mode = 0o600): void {
  const tmp = `${file}.tmp-${process.pid}`;
  // The temp name is predictable: a link planted there must not be written through (rename
  // itself replaces a link at `file` rather than following it).
  const fd = openPrivate(tmp, REWRITE, mode);
  try {
    writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
  fsyncDir(dirname(file));
}
