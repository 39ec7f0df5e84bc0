/**
 * What a launch leaves in the run's state folder so `stop` can find everything later, even
 * when panes were respawned or the session is already gone: the server and session, and every
 * pane process it (or the control process, on a respawn) ever started, by pid and start time.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../state/atomic-write.js';
import type { RunPaths } from '../../orchestrator/run-dir/paths.js';
import { readProc } from '../../workers/os/process-tree.js';

export interface RecordedProc {
  pid: number;
  /** Start time (clock ticks since boot), so a reused pid is never mistaken for ours. */
  start: number;
  role: string;
}

export interface SessionRecord {
  socket?: string;
  session: string;
  /** tmux's id of the session (`$N`), to find it again if the user renamed it. */
  sessionId?: string;
  runDir: string;
  launchedAt: number;
  launcherPid: number;
  procs: RecordedProc[];
}

export function recordFile(paths: RunPaths): string {
  return join(paths.stateDir, 'tmux-session.json');
}

export function readRecord(paths: RunPaths): SessionRecord | undefined {
  const file = recordFile(paths);
  if (!existsSync(file)) return undefined;
  try {
    const r = JSON.parse(readFileSync(file, 'utf8')) as SessionRecord;
    return typeof r.session === 'string' && Array.isArray(r.procs) ? r : undefined;
  } catch {
    return undefined;
  }
}

export function writeRecord(paths: RunPaths, r: SessionRecord): void {
  writeFileAtomic(recordFile(paths), JSON.stringify(r, null, 2) + '\n');
}

export function recordedProc(pid: number, role: string): RecordedProc {
  return { pid, start: readProc(pid)?.start ?? 0, role };
}

/** Adds pane processes started later (respawns). Only the control process and launch write it. */
export function addRecordedProcs(paths: RunPaths, procs: RecordedProc[]): void {
  const r = readRecord(paths);
  if (!r) return;
  const known = new Set(r.procs.map((p) => `${p.pid}:${p.start}`));
  const fresh = procs.filter((p) => !known.has(`${p.pid}:${p.start}`));
  if (fresh.length) writeRecord(paths, { ...r, procs: [...r.procs, ...fresh] });
}

export function removeRecord(paths: RunPaths): void {
  rmSync(recordFile(paths), { force: true });
}
