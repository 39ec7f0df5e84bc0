/**
 * One attempt of a task: its `run`, then its `verify`, in the plan's workdir, with the task's
 * environment. Every attempt's output is appended to logs/tasks/<ID>.log under a header.
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import type { TaskDef } from '../orchestrator/core/plan/plan-types.js';
import { execute, type ExecResult } from './executor.js';
import { OutputTail } from './output-tail.js';

export interface AttemptInput {
  def: TaskDef;
  cwd: string;
  agent: string;
  attempt: number;
  logFile: string;
  onLine?: (line: string) => void;
  onStart?: (pgid: number) => void;
  signal?: AbortSignal;
}

export interface AttemptResult {
  ok: boolean;
  exitCode: number | null;
  signal: string | null;
  durationMs: number;
  tail: string[];
  reason?: string;
  aborted: boolean;
}

function describe(step: string, r: ExecResult, timeoutMs: number): string {
  if (r.spawnError) return `${step} could not start: ${r.spawnError}`;
  if (r.timedOut) return `${step} timed out after ${Math.round(timeoutMs / 1000)}s`;
  if (r.aborted) return `${step} was stopped`;
  if (r.signal) return `${step} killed by ${r.signal}`;
  return `${step} exited with ${r.exitCode}`;
}

export async function runAttempt(a: AttemptInput): Promise<AttemptResult> {
  mkdirSync(a.cwd, { recursive: true });
  // The log is opened once per attempt, not once per write (each open of a new file allocates
  // its inode, a real cost on a busy disk), and only once the command has started, so that
  // only the spawn stands between claiming a task and running it. Its header still comes first.
  const header = `\n=== ${a.def.id} attempt ${a.attempt} by ${a.agent} at ${new Date().toISOString()} ===\n`;
  let fd: number | undefined;
  const open = (): number => {
    if (fd === undefined) {
      fd = openSync(a.logFile, 'a', 0o600);
      writeSync(fd, header);
    }
    return fd;
  };
  const onStart = (pgid: number) => {
    a.onStart?.(pgid);
    open();
  };
  try {
    return await attempt({ ...a, onStart }, (text: string) => void writeSync(open(), text));
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

async function attempt(a: AttemptInput, log: (text: string) => void): Promise<AttemptResult> {
  const tail = new OutputTail(20, a.onLine);
  const t0 = performance.now();
  const env = {
    ...a.def.env,
    ORCHESTRATOR_TASK_ID: a.def.id,
    ORCHESTRATOR_AGENT: a.agent,
    ORCHESTRATOR_ATTEMPT: String(a.attempt),
  };
  const deadline = Date.now() + a.def.timeoutMs;
  const step = async (name: 'run' | 'verify', pty: boolean) => {
    const cmd = name === 'run' ? a.def.run : a.def.verify!;
    if (name === 'verify') log(`--- verify ---\n`);
    const r = await execute(cmd, {
      cwd: a.cwd, env, pty, timeoutMs: Math.max(1, deadline - Date.now()), signal: a.signal, onStart: name === 'run' ? a.onStart : undefined,
      onOutput: (c) => {
        log(c);
        tail.push(c);
      },
    });
    tail.end();
    return r;
  };
  let r = await step('run', a.def.pty);
  let reason = r.exitCode === 0 ? undefined : describe('run', r, a.def.timeoutMs);
  if (!reason && a.def.verify !== undefined) {
    r = await step('verify', false);
    if (r.exitCode !== 0) reason = describe('verify', r, a.def.timeoutMs);
  }
  const durationMs = Math.round(performance.now() - t0);
  log(`=== ${reason ? `FAILED: ${reason}` : 'ok'} after ${durationMs} ms ===\n`);
  return { ok: !reason, exitCode: r.exitCode, signal: r.signal, durationMs, tail: tail.lines.slice(-10), reason, aborted: r.aborted };
}
