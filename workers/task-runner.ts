/**
 * One attempt of a task: its `run`, then its `verify`, in the plan's workdir, with the task's
 * environment. Every attempt's output is appended to logs/tasks/<ID>.log under a header.
 */
import { closeSync, constants, mkdirSync, openSync, statfsSync } from 'node:fs';
import { dirname } from 'node:path';
import type { TaskDef } from '../orchestrator/core/plan/plan-types.js';
import { execute, type ExecResult } from './executor.js';
import { AppendLog } from './append-log.js';
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
  /** The task log stopped taking writes (e.g. a full disk): the task goes on without it. */
  onLogFailed?: (why: string) => void;
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
  // The log is opened once per attempt, not once per write (each open of a new file allocates
  // its inode, a real cost on a busy disk). A plain command writes its output straight into it
  // (after its header, see directLog); what this process writes there (the header, a pty's or
  // an agent's output, the result) is asynchronous (append-log.ts): it never blocks the worker.
  const header = `\n=== ${a.def.id} attempt ${a.attempt} by ${a.agent} at ${new Date().toISOString()} ===\n`;
  let log: AppendLog | undefined;
  const open = (): AppendLog => {
    if (!log) {
      log = new AppendLog(a.logFile, (why) => a.onLogFailed?.(why));
      log.write(header);
    }
    return log;
  };
  const onStart = (pgid: number) => {
    a.onStart?.(pgid);
    open();
  };
  try {
    try {
      mkdirSync(a.cwd, { recursive: true });
    } catch (e) {
      return await failedToStart(open(), a, `its workdir ${a.cwd} cannot be created: ${(e as Error).message}`);
    }
    // A log that cannot be opened (a name too long, no permission) fails this task, with the
    // reason in the state and the agent's log; its command is stopped.
    const opened = new AbortController();
    const stopOnBadLog = () => {
      void open().ready().then(() => {
        if (log?.openFailed) opened.abort();
      });
    };
    const signal = a.signal ? AbortSignal.any([a.signal, opened.signal]) : opened.signal;
    const r = await attempt({ ...a, signal, onStart: (pgid) => (onStart(pgid), stopOnBadLog()) }, open);
    await log?.ready();
    if (log?.openFailed && !a.signal?.aborted) return { ...r, ok: false, aborted: false, reason: `its log cannot be written: ${log.failed}` };
    return r;
  } catch (e) {
    // Nothing about one task may take its worker group down.
    return await failedToStart(open(), a, (e as Error).message);
  } finally {
    await log?.end();
  }
}

/**
 * Free space below which a command's output goes through this process instead of straight
 * into its log: a command writing into a full disk itself gets the error (and usually fails),
 * while output through a pipe keeps the task running and the log degrades (append-log.ts).
 */
export const DIRECT_LOG_MIN_FREE_BYTES = 2 ** 30;

/**
 * The task log, flushed, opened once more for a command to write its output straight into
 * (appending; readable, for the tail). Undefined when the log is not usable or its disk is
 * nearly full: the command's output then comes through pipes, as for a terminal.
 */
async function directLog(log: AppendLog): Promise<number | undefined> {
  await log.flushed();
  if (log.failed) return undefined;
  try {
    const fs = statfsSync(dirname(log.path));
    if (fs.bavail * fs.bsize < DIRECT_LOG_MIN_FREE_BYTES) return undefined;
    return openSync(log.path, constants.O_RDWR | constants.O_APPEND | constants.O_NOFOLLOW);
  } catch {
    return undefined;
  }
}

async function failedToStart(log: AppendLog, a: AttemptInput, reason: string): Promise<AttemptResult> {
  log.write(`=== FAILED: ${reason} ===\n`);
  await log.ready();
  return { ok: false, exitCode: null, signal: null, durationMs: 0, tail: [], reason: log.failed ? `${reason} (and its log cannot be written: ${log.failed})` : reason, aborted: false };
}

async function attempt(a: AttemptInput, open: () => AppendLog): Promise<AttemptResult> {
  const log = (text: string) => void open().write(text);
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
    // A plain command writes its output straight into the log, after what this process wrote.
    const fd = pty ? undefined : await directLog(open());
    try {
      const r = await execute(cmd, {
        cwd: a.cwd, env, pty, timeoutMs: Math.max(1, deadline - Date.now()), signal: a.signal, onStart: name === 'run' ? a.onStart : undefined,
        ...(fd !== undefined && { logFd: fd, onSkip: () => tail.skip() }),
        onOutput: (c) => {
          tail.push(c);
          return fd === undefined ? open().write(c) : true;
        },
        onDrain: (resume) => open().onDrain(resume),
      });
      tail.end();
      return r;
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
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
