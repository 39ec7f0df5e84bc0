/**
 * Opening the files a run writes (logs, events, journal, snapshots, lock keys) without ever
 * following a symbolic link: a link planted where a log will be (`logs/orchestrator.log ->
 * ~/.bashrc`) would otherwise have the run append to its target outside the run directory.
 * O_NOFOLLOW makes the open fail on a link (ELOOP); that is reported as the link it is, by
 * name. Files are created 0600: logs and the state may hold the plan's `env` values.
 */
import { closeSync, constants, openSync, writeSync } from 'node:fs';
import { StateError } from './errors.js';

const { O_WRONLY, O_APPEND, O_CREAT, O_EXCL, O_TRUNC, O_NOFOLLOW } = constants;

/** Append, creating the file if needed. */
export const APPEND = O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW;
/** Create or truncate (a temp file of this process). */
export const REWRITE = O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW;
/** Create a file that must not exist yet. */
export const CREATE_NEW = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW;

export function symlinkRefused(file: string): StateError {
  return new StateError(`${file} is a symbolic link; the orchestrator writes its logs and state only to its own files, never through a link`, `Remove the link (rm '${file}') and run again.`);
}

/** openSync with O_NOFOLLOW: a symbolic link in the file's place is a clear error naming it. */
export function openPrivate(file: string, flags: number = APPEND, mode = 0o600): number {
  try {
    return openSync(file, flags | O_NOFOLLOW, mode);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ELOOP') throw symlinkRefused(file);
    throw e;
  }
}

/** appendFileSync, never through a link. */
export function appendPrivate(file: string, data: string | Uint8Array): void {
  const fd = openPrivate(file, APPEND);
  try {
    writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
  } finally {
    closeSync(fd);
  }
}
