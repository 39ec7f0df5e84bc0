/**
 * Support for the keep-alive and chaos tests: starting the CLI detached from pipes (a killed
 * control process must not leave the test waiting on a pipe its children hold), reading the
 * state directly, and finding every process of a run by an environment marker in /proc.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI_JS } from '../../orchestrator/run-dir/paths.js';
import type { State } from '../../state/schema.js';
import { cliEnv } from './cli.js';
import { cmdline, findByEnv, type Proc } from '../../workers/os/process-tree.js';

export const MARK = 'ORCH_KEEPALIVE_TEST_MARK';

export interface Started {
  child: ChildProcess;
  /** Exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  mark: string;
  logFile: string;
}

/** Starts the built CLI with output to `logFile`; every process of it carries a unique marker. */
export function startCli(args: string[], dir: string, env: Record<string, string> = {}, name = 'cli.log'): Started {
  const mark = randomUUID();
  const logFile = join(dir, name);
  const fd = openSync(logFile, 'a');
  const child = spawn(process.execPath, [CLI_JS, ...args], { stdio: ['ignore', fd, fd], env: cliEnv({ ...env, [MARK]: mark }) });
  closeSync(fd);
  const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
  return { child, exited, mark, logFile };
}

/** Live (non-zombie) processes carrying the marker. */
export function markedProcs(mark: string): Proc[] {
  return findByEnv((env) => env.get(MARK) === mark);
}

/** Fails when, after up to `ms`, some process of the run is still alive; kills them in that case. */
export async function expectNoSurvivors(mark: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  let left = markedProcs(mark);
  while (left.length && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    left = markedProcs(mark);
  }
  if (!left.length) return;
  const desc = left.map((p) => `${p.pid} (${cmdline(p.pid).join(' ')})`).join('; ');
  killMarked(mark);
  throw new Error(`processes of the run survived: ${desc}`);
}

/** Cleanup after a failed test: SIGKILL whatever still carries the marker. */
export function killMarked(mark: string): void {
  for (const p of markedProcs(mark)) tryKill(p.pid);
}

/** The pid of the worker group running `task` now, with its quad. */
export function groupOf(s: State, task: string): { quad: number; pid: number } | undefined {
  const t = s.tasks[task];
  if (t?.status !== 'running' || t.quad === undefined) return undefined;
  const pid = s.groups[String(t.quad)]?.pid;
  return pid ? { quad: t.quad, pid } : undefined;
}

export function seatPid(runDir: string, seat: 'keep-alive' | 'control'): number | undefined {
  const f = join(runDir, '.orchestrator', `${seat}.pid`);
  if (!existsSync(f)) return undefined;
  try {
    return (JSON.parse(readFileSync(f, 'utf8')) as { pid: number }).pid;
  } catch {
    return undefined;
  }
}

export function tryKill(pid: number | undefined, sig: NodeJS.Signals = 'SIGKILL'): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
}
