/**
 * The orchestrator command as the user can type it in messages: `orchestrator` when that name
 * on the PATH is this package (after `npm install -g .` or `npm link`), else the path of
 * bin/orchestrator (relative when it is below the current directory).
 */
import { existsSync, realpathSync } from 'node:fs';
import { delimiter, join, relative, sep } from 'node:path';
import { CLI_BIN } from './paths.js';

let cached: string | undefined;

function real(p: string): string | undefined {
  try {
    return realpathSync(p);
  } catch {
    return undefined;
  }
}

/** Whether `orchestrator` on this PATH is the given executable. */
export function onPath(bin: string, path = process.env.PATH ?? ''): boolean {
  const target = real(bin);
  return !!target && path.split(delimiter).filter(Boolean).some((d) => {
    const candidate = join(d, 'orchestrator');
    return existsSync(candidate) && real(candidate) === target;
  });
}

export function invocation(bin = CLI_BIN, cwd = process.cwd(), path = process.env.PATH): string {
  if (onPath(bin, path)) return 'orchestrator';
  // From the package folder (or just above it) the short relative path, else the absolute one.
  const rel = relative(cwd, bin);
  const short = rel && !rel.startsWith('..') && rel.split(sep).length <= 3;
  return short ? (rel.includes(sep) ? rel : `./${rel}`) : bin;
}

/** `orchestrator ARGS` as the user types it here. */
export function commandName(args: string): string {
  cached ??= invocation();
  return `${cached} ${args}`.trim();
}
