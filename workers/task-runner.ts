/**
 * One attempt of a task: its `run`, then its `verify`, in the plan's workdir, with the task's
 * environment. Every attempt's output is appended to logs/tasks/<ID>.log under a header.
 */
import { closeSync, constants, mkdirSync, openSync, statfsSync, writeSync } from 'node:fs';
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
  // (directLog); output that comes through this process (a terminal's, an agent's) is written
  // asynchronously (append-log.ts), opened once the command has started, so that only the
  // spawn stands between claiming a task and running it: a flood never blocks the worker.
  const header = `\n=== ${a.def.id} attempt ${a.attempt} by ${a.agent} at ${new Date().toISOString()} ===\n`;
  let log: AppendLog | undefined;
  const open = (): AppendLog => {
    if (!log) {
      log = new AppendLog(a.logFile, (why) => a.onLogFailed?.(why));
      log.write(header);
    }
    return log;
  };
  let fd: number | undefined;
  try {
    try {
      mkdirSync(a.cwd, { recursive: true });
    } catch (e) {
      return await failedToStart(open(), a, `its workdir ${a.cwd} cannot be created: ${(e as Error).message}`);
    }
    if (!a.def.pty && !(a.def.agent && a.ai)) fd = directLog(a.logFile, header);
    if (fd !== undefined) {
      const direct = fd;
      return await attempt(a, { write: (text) => writeQuietly(direct, text), fd: direct });
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
    const onStart = (pgid: number) => {
      a.onStart?.(pgid);
      open();
      stopOnBadLog();
    };
    const r = await attempt({ ...a, signal, onStart }, { write: (text) => void open().write(text), open });
    await log?.ready();
    if (log?.openFailed && !a.signal?.aborted) return { ...r, ok: false, aborted: false, reason: `its log cannot be written: ${log.failed}` };
    return r;
  } catch (e) {
    // Nothing about one task may take its worker group down.
    if (fd !== undefined) writeQuietly(fd, `=== FAILED: ${(e as Error).message} ===\n`);
    return fd !== undefined ? { ok: false, exitCode: null, signal: null, durationMs: 0, tail: [], reason: (e as Error).message, aborted: false } : await failedToStart(open(), a, (e as Error).message);
  } finally {
    if (fd !== undefined) closeSync(fd);
    await log?.end();
  }
}

/**
 * Free space below which a command's output goes through this process instead of straight
 * into its log: a command writing into a full disk itself gets the error (and usually fails),
 * while output through a pipe keeps the task running and the log degrades (append-log.ts).
 */
export const DIRECT_LOG_MIN_FREE_BYTES = 2 ** 30;
const DIRECT_FLAGS = constants.O_RDWR | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW;

/**
 * The task log opened for a plain command to write its output straight into (appending;
 * readable, for the tail), its header written: synchronously, a few small system calls, never
 * behind the file system's threads (busy with the journal's flushes). Undefined when it cannot
 * be opened or its disk is nearly full: the output then comes through pipes, as for a terminal,
 * and a log that cannot be written fails the task as before.
 */
function directLog(file: string, header: string): number | undefined {
  let fd: number | undefined;
  try {
    const fs = statfsSync(dirname(file));
    if (fs.bavail * fs.bsize < DIRECT_LOG_MIN_FREE_BYTES) return undefined;
    fd = openSync(file, DIRECT_FLAGS, 0o600);
    writeSync(fd, header);
    return fd;
  } catch {
    if (fd !== undefined) closeSync(fd);
    return undefined;
  }
}

/** The attempt's own lines in a log a command writes into: small and synchronous; a full disk drops them. */
function writeQuietly(fd: number, text: string): void {
  try {
    writeSync(fd, text);
  } catch {
    // the log degrades; the task goes on
  }
}

async function failedToStart(log: AppendLog, a: AttemptInput, reason: string): Promise<AttemptResult> {
  log.write(`=== FAILED: ${reason} ===\n`);
  await log.ready();
  return { ok: false, exitCode: null, signal: null, durationMs: 0, tail: [], reason: log.failed ? `${reason} (and its log cannot be written: ${log.failed})` : reason, aborted: false };
}

/** Where an attempt's lines go: straight into the log's descriptor (`fd`, a plain command's), or through the async log. */
interface AttemptLog {
  write(text: string): void;
  fd?: number;
  open?: () => AppendLog;
}

async function attempt(a: AttemptInput, out: AttemptLog): Promise<AttemptResult> {
  const log = (text: string) => out.write(text);
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
    const fd = out.fd;
    const r = await execute(cmd, {
      cwd: a.cwd, env, pty, timeoutMs: Math.max(1, deadline - Date.now()), signal: a.signal, onStart: name === 'run' ? a.onStart : undefined,
      ...(fd !== undefined && !pty && { logFd: fd, onSkip: () => tail.skip() }),
      onOutput: (c) => {
        tail.push(c);
        return fd === undefined ? out.open!().write(c) : true;
      },
      onDrain: (resume) => (out.open ? out.open().onDrain(resume) : resume()),
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
