/** Running the built CLI in tests, and small run-directory helpers. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { stringify } from 'yaml';
import { CLI_JS } from '../../orchestrator/run-dir/paths.js';
import { readEvents, type RunEvent } from '../../state/events.js';

export function tempDir(prefix = 'orch-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * The environment for a CLI under test: this process's, without the developer's ORCHESTRATOR_*
 * settings (a run dir, a tmux socket, an alert command…) and without TMUX/TMUX_PANE (which say
 * "inside tmux"), so a test sees the same defaults on every machine; then `extra`.
 */
export function cliEnv(extra: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || k.startsWith('ORCHESTRATOR_') || k === 'TMUX' || k === 'TMUX_PANE') continue;
    env[k] = v;
  }
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) env[k] = v;
  return env;
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export async function cli(args: string[], o: { cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {}): Promise<CliResult> {
  const r = await execa(process.execPath, [CLI_JS, ...args], { cwd: o.cwd, env: cliEnv(o.env), extendEnv: false, reject: false, timeout: o.timeoutMs ?? 120_000 });
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/** Starts the CLI without waiting (for interrupting it). */
export function cliProcess(args: string[], o: { cwd?: string } = {}): ResultPromise {
  return execa(process.execPath, [CLI_JS, ...args], { cwd: o.cwd, env: cliEnv(), extendEnv: false, reject: false, stdin: 'ignore' });
}

export type TaskSpec = Record<string, unknown> & { id: string };

/** Writes a plan file (YAML) into `dir` and returns its path. */
export function writePlan(dir: string, tasks: TaskSpec[], extra: Record<string, unknown> = {}, name = 'plan.yaml'): string {
  const file = join(dir, name);
  writeFileSync(file, stringify({ version: 1, name: 'test-plan', workdir: 'work', ...extra, tasks }));
  return file;
}

export function events(runDir: string): RunEvent[] {
  return readEvents(join(runDir, 'logs', 'events.jsonl'));
}

export interface StatusJson {
  status: string;
  counts: Record<string, number>;
  tasks: Array<{ id: string; status: string; agent: string | null; attempts: number; startedAt: number | null; finishedAt: number | null; exitCode: number | null; reason: string | null }>;
  groups: Array<{ quad: number; status: string; pid?: number }>;
  paused: boolean;
}

export async function status(runDir: string): Promise<StatusJson> {
  const r = await cli(['status', '--json', '--run-dir', runDir]);
  if (r.exitCode !== 0) throw new Error(`status failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as StatusJson;
}

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v as T;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Alive and not a zombie: the one /proc-based check (pid 1 here may never reap an orphan). */
export { pidAlive } from '../../workers/os/process-tree.js';
