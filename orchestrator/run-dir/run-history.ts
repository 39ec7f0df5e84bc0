/**
 * Earlier runs of a run directory, kept in one place: `--fresh` and `reset` move the state and
 * the logs into `.orchestrator/history/<time>/` (never a `.orchestrator.old-*` beside the
 * user's files), and only the last HISTORY_KEEP are kept.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { RunPaths } from './paths.js';

import { HISTORY_SUBDIR } from '../../state/store.js';

export const HISTORY_DIR = HISTORY_SUBDIR;
export const HISTORY_KEEP = 5;

export function historyDir(paths: RunPaths): string {
  return join(paths.stateDir, HISTORY_DIR);
}

/**
 * Moves the run's state files and its logs into a new history entry and prunes old entries.
 * Returns the entry, or undefined when there was nothing to move.
 */
export function moveToHistory(paths: RunPaths, now = new Date()): string | undefined {
  const stateEntries = existsSync(paths.stateDir) ? readdirSync(paths.stateDir).filter((n) => n !== HISTORY_DIR) : [];
  const hasLogs = existsSync(paths.logsDir);
  if (!stateEntries.length && !hasLogs) return undefined;
  const base = join(historyDir(paths), now.toISOString().replace(/[:.]/g, '-'));
  let entry = base;
  for (let i = 2; existsSync(entry); i++) entry = `${base}-${i}`;
  mkdirSync(join(entry, 'state'), { recursive: true, mode: 0o700 });
  for (const name of stateEntries) renameSync(join(paths.stateDir, name), join(entry, 'state', name));
  if (hasLogs) renameSync(paths.logsDir, join(entry, 'logs'));
  pruneHistory(paths);
  return entry;
}

/** Keeps the newest `keep` entries (their names sort by time). */
export function pruneHistory(paths: RunPaths, keep = HISTORY_KEEP): string[] {
  const dir = historyDir(paths);
  if (!existsSync(dir)) return [];
  const entries = readdirSync(dir).sort();
  const old = entries.slice(0, Math.max(0, entries.length - keep));
  for (const name of old) rmSync(join(dir, name), { recursive: true, force: true });
  return old;
}
