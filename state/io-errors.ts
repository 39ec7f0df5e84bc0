/**
 * A write error of the file system under the state folder, as the user must see it: a
 * StateError naming the folder and the fix, never a raw errno with a stack. A full disk and a
 * read-only folder are situations, not bugs; anything else passes through unchanged.
 */
import { StateError } from './errors.js';

const FULL = new Set(['ENOSPC', 'EDQUOT', 'EFBIG']);
const READ_ONLY = new Set(['EROFS', 'EACCES', 'EPERM']);

/** Whether `e` is one of the errors storeIoError explains. */
export function isStoreIoError(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException)?.code;
  return code !== undefined && (FULL.has(code) || READ_ONLY.has(code));
}

/** `e` as a StateError when it is a full disk or a read-only folder; otherwise `e` itself. */
export function storeIoError(e: unknown, dir: string, doing: string): unknown {
  if (e instanceof StateError) return e;
  const code = (e as NodeJS.ErrnoException)?.code;
  if (code !== undefined && FULL.has(code)) {
    return new StateError(
      `no space left to ${doing} in the state folder ${dir} (${code})`,
      'Free space on that disk (or raise the file size limit), then run `orchestrator run` again: the run resumes where it stopped.',
    );
  }
  if (code !== undefined && READ_ONLY.has(code)) {
    return new StateError(
      `the state folder ${dir} cannot be written (${code}: ${code === 'EROFS' ? 'read-only file system' : 'permission denied'}) while trying to ${doing}`,
      'Make it writable for this user (or pass --run-dir on a writable disk), then run again.',
    );
  }
  return e;
}
