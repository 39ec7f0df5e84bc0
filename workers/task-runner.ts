/**
 * One attempt of a task: its `run`, then its `verify`, in the plan's workdir, with the task's
 * environment. Every attempt's output is appended to logs/tasks/<ID>.log under a header.
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import type { TaskDef } from '../orchestrator/core/plan/plan-types.js';
import { execute, type ExecResult } from './executor.js';
import { OutputTail } from './output-tail.js';
import { runAgent, type AgentRunInput, type AgentRunResult } from './agents/agent-runner.js';

/** What an `agent:` attempt needs beyond the task (the worker group fills it from the state). */
export type AgentContext = Omit<AgentRunInput, 'taskId' | 'spec' | 'cwd' | 'env' | 'log' | 'onStart' | 'signal'>;

export interface AttemptInput {
  def: TaskDef;
  cwd: string;
  agent: string;
  attempt: number;
  logFile: string;
  onLine?: (line: string) => void;
  onStart?: (pgid: number) => void;
  signal?: AbortSignal;
  /** Set for `agent:` tasks. */
  ai?: AgentContext;
}

export interface AttemptResult {
  ok: boolean;
  exitCode: number | null;
  signal: string | null;
  durationMs: number;
  tail: string[];
  reason?: string;
  aborted: boolean;
  /** The agent attempt's view and verdict (`agent:` tasks). */
  ai?: AgentRunResult;
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
  // its inode, a real cost on a busy disk), and before the command starts: a plain command's
  // output goes straight into it (no pipes), under the attempt's header.
  const fd = openSync(a.logFile, 'a+', 0o600);
  try {
    writeSync(fd, `\n=== ${a.def.id} attempt ${a.attempt} by ${a.agent} at ${new Date().toISOString()} ===\n`);
    return await attempt(a, fd);
  } finally {
    closeSync(fd);
  }
}

async function attempt(a: AttemptInput, logFd: number): Promise<AttemptResult> {
  const log = (text: string) => void writeSync(logFd, text);
  const tail = new OutputTail(20, a.onLine);
  const t0 = performance.now();
  const env = {
    ...a.def.env,
    ORCHESTRATOR_TASK_ID: a.def.id,
    ORCHESTRATOR_AGENT: a.agent,
    ORCHESTRATOR_ATTEMPT: String(a.attempt),
  };
  let deadline = Date.now() + a.def.timeoutMs;
  const step = async (name: 'run' | 'verify', pty: boolean) => {
    const cmd = name === 'run' ? a.def.run! : a.def.verify!;
    if (name === 'verify') log(`--- verify ---\n`);
    // A terminal's output comes through node-pty and is written here; a plain command writes the log itself.
    const r = await execute(cmd, {
      cwd: a.cwd, env, pty, timeoutMs: Math.max(1, deadline - Date.now()), signal: a.signal, onStart: name === 'run' ? a.onStart : undefined,
      ...(!pty && { logFd }),
      onOutput: (c) => {
        if (pty) log(c);
        tail.push(c);
      },
    });
    tail.end();
    return r;
  };
  let agent: AgentRunResult | undefined;
  let r: ExecResult;
  let reason: string | undefined;
  if (a.def.agent && a.ai) {
    // The one place agent tasks part from commands: the run step is the AI CLI, verify is as ever.
    const t1 = performance.now();
    agent = await runAgent({
      ...a.ai, taskId: a.def.id, spec: a.def.agent, cwd: a.cwd, env, signal: a.signal, onStart: a.onStart,
      log: (line) => {
        log(line + '\n');
        a.onLine?.(line);
      },
    });
    r = { exitCode: agent.exitCode, signal: agent.signal, timedOut: false, aborted: agent.aborted, durationMs: performance.now() - t1, ...(agent.spawnError && { spawnError: agent.spawnError }) };
    const v = agent.verdict;
    // An agent's own time is bounded by its budget (budget.wall), not the task timeout: the
    // timeout applies to its verify step, from now.
    deadline = Date.now() + a.def.timeoutMs;
    reason = agent.aborted ? 'run was stopped' : v.kind === 'ok' ? undefined : v.kind === 'limit' ? `usage limit: ${v.message}` : v.reason;
  } else {
    r = await step('run', a.def.pty);
    reason = r.exitCode === 0 ? undefined : describe('run', r, a.def.timeoutMs);
  }
  if (!reason && a.def.verify !== undefined) {
    r = await step('verify', false);
    if (r.exitCode !== 0) reason = describe('verify', r, a.def.timeoutMs);
  }
  const durationMs = Math.round(performance.now() - t0);
  log(`=== ${reason ? `FAILED: ${reason}` : 'ok'} after ${durationMs} ms ===\n`);
  return { ok: !reason, exitCode: r.exitCode, signal: r.signal, durationMs, tail: tail.lines.slice(-10), reason, aborted: r.aborted, ...(agent && { ai: agent }) };
}
