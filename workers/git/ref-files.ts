/**
 * Reading a branch's commit from the repository's files instead of spawning git: a task in
 * worktree mode reads the integration tip and its own branch on every attempt, and on this
 * kind of machine one git process costs several milliseconds of CPU (most of it process
 * start-up), a file read a few microseconds.
 *
 * Only the files-backend layout documented in gitrepository-layout(5) is read: a loose ref
 * `refs/heads/<name>` holding a 40- or 64-hex object name, else its line in `packed-refs`.
 * git replaces both files by rename, so a read never sees half a write. Anything else (a
 * reftable repository, a symbolic ref, content not understood) is `unknown`, and the caller
 * asks git.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export type RefRead = { kind: 'found'; commit: string } | { kind: 'absent' } | { kind: 'unknown' };

const OBJECT_NAME = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

function readIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw e;
  }
}

/** The object a fully named ref (`refs/heads/x`) points at, read from the common git dir's files. */
export function readRefFile(commonDir: string, ref: string): RefRead {
  if (!ref.startsWith('refs/') || ref.includes('..')) return { kind: 'unknown' };
  if (existsSync(join(commonDir, 'reftable'))) return { kind: 'unknown' };
  let loose: string | undefined;
  try {
    loose = readIfExists(join(commonDir, ref));
  } catch {
    return { kind: 'unknown' }; // e.g. EISDIR: a ref folder named like the ref
  }
  if (loose !== undefined) {
    const name = loose.trim();
    return OBJECT_NAME.test(name) ? { kind: 'found', commit: name } : { kind: 'unknown' };
  }
  const packed = readIfExists(join(commonDir, 'packed-refs'));
  if (packed === undefined) return { kind: 'absent' };
  for (const line of packed.split('\n')) {
    if (line.startsWith('#') || line.startsWith('^')) continue;
    const sp = line.indexOf(' ');
    if (sp > 0 && line.slice(sp + 1).trimEnd() === ref) {
      const name = line.slice(0, sp);
      return OBJECT_NAME.test(name) ? { kind: 'found', commit: name } : { kind: 'unknown' };
    }
  }
  return { kind: 'absent' };
}
