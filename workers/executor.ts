/**
 * Runs one command as a real process in its own process group: node:child_process for plain
 * commands, node-pty when the task wants a terminal. A timeout or a stop ends the whole tree,
 * and so does the command's own exit (a background grandchild must not outlive its task).
 * A plain command string without any shell syntax is executed without the shell (see
 * simple-command.ts).
 *
 * Plain commands used execa; it cost about 1.3 ms of CPU per spawn over a bare spawn (1.7 ms
 * against 0.4 ms, measured in a loop), more than the whole per-task budget of short tasks,
 * and nothing here needs its extras: output is streamed, errors are mapped below.
 */
import { spawn } from 'node:child_process';
import { fstatSync, realpathSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { constants } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import type * as Pty from 'node-pty';
import type { Command } from '../orchestrator/core/plan/plan-types.js';
import { groupAlive, signalGroup, trackGroup, untrackGroup } from './os/process-groups.js';
import { LogFollower } from './log-follower.js';
import { commandArgv, simpleArgv } from './os/simple-command.js';

/** node-pty is loaded by the first task that wants a terminal, not by every worker. */
let ptyModule: typeof Pty | undefined;
const loadPty = () => (ptyModule ??= createRequire(import.meta.url)('node-pty') as typeof Pty);

export interface ExecOptions {
  cwd: string;
  env: Record<string, string>;
  timeoutMs: number;
  pty: boolean;
  /**
   * Raw output as it arrives (colour kept). Returning false pauses the output until the
   * callback given to `onDrain` runs (the consumer's backpressure).
   */
  onOutput: (chunk: Buffer) => unknown;
  onDrain?: (resume: () => void) => void;
  /**
   * A plain (non-pty) command's stdout and stderr go straight into this file descriptor (the
   * task log, opened for appending and reading): no pipe, nothing per chunk in this process,
   * so a flood runs at the speed of the command and the disk. onOutput still gets the output,
   * read back from the file (log-follower.ts: the head, then the last of it at each look);
   * onSkip says where a flood was skipped over.
   */
  logFd?: number;
  onSkip?: () => void;
  /** Called once the process exists, with its process group id. */
  onStart?: (pgid: number) => void;
  signal?: AbortSignal;
}

export interface ExecResult {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  aborted: boolean;
  durationMs: number;
  /** Could not start at all (no such program, bad cwd). */
  spawnError?: string;
}

/** How long a group gets between SIGTERM and SIGKILL. */
export const KILL_GRACE_MS = 2000;
/**
 * After a command exits, how long its output pipes may stay open: a process it left outside
 * its group (setsid, a double fork) can hold them forever. The task is finished then, with
 * whatever output came; the worker's sweep ends that process (worker-group.ts).
 */
export const PIPE_GRACE_MS = 2000;

const pwds = new Map<string, string>();

/**
 * The PWD a shell started in `cwd` would export: the inherited one when it names that
 * directory, else the physical path (what dash does at start-up). A command run without the
 * shell gets the same.
 */
export function shellPwd(cwd: string, inherited: string | undefined): string {
  const key = `${cwd}\0${inherited ?? ''}`;
  let pwd = pwds.get(key);
  if (pwd === undefined) {
    try {
      const here = statSync(cwd);
      const there = inherited && isAbsolute(inherited) ? statSync(inherited, { throwIfNoEntry: false }) : undefined;
      pwd = there && there.dev === here.dev && there.ino === here.ino ? inherited! : realpathSync(cwd);
    } catch {
      pwd = resolve(cwd);
    }
    pwds.set(key, pwd);
  }
  return pwd;
}

/** Ends a group: SIGTERM, then SIGKILL after the grace period if anything is left. */
function endGroup(pgid: number): void {
  if (!signalGroup(pgid, 'SIGTERM')) return;
  const t = setTimeout(() => groupAlive(pgid) && signalGroup(pgid, 'SIGKILL'), KILL_GRACE_MS);
  t.unref();
}

export async function execute(cmd: Command, o: ExecOptions): Promise<ExecResult> {
  const started = performance.now();
  const [file, args] = commandArgv(cmd);
  let timedOut = false;
  let aborted = false;
  let pgid: number | undefined;
  const stop = (why: 'timeout' | 'abort') => {
    if (why === 'timeout') timedOut = true;
    else aborted = true;
    if (pgid) endGroup(pgid);
  };
  const timer = setTimeout(() => stop('timeout'), o.timeoutMs);
  const onAbort = () => stop('abort');
  o.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const setPgid = (p: number) => (pgid = p);
    const direct = !o.pty && typeof cmd === 'string' ? simpleArgv(cmd) : undefined;
    let r: Outcome | undefined;
    if (direct) {
      const env = { ...o.env, PWD: shellPwd(o.cwd, o.env.PWD ?? process.env.PWD) };
      r = await runPlain(direct[0]!, direct.slice(1), { ...o, env }, setPgid);
      // Could not start (not found, not executable): the shell says why, with its exit code, as always.
      if (r.spawnError && !aborted && !timedOut) r = undefined;
    }
    r ??= o.pty ? await runPty(file, args, o, setPgid) : await runPlain(file, args, o, setPgid);
    return { ...r, timedOut, aborted, durationMs: performance.now() - started };
  } finally {
    clearTimeout(timer);
    o.signal?.removeEventListener('abort', onAbort);
    if (pgid) {
      // Whatever the command left running in its group ends with it.
      signalGroup(pgid, 'SIGKILL');
      untrackGroup(pgid);
    }
  }
}

type Outcome = { exitCode: number | null; signal: string | null; spawnError?: string };

function runPlain(file: string, args: string[], o: ExecOptions, setPgid: (p: number) => void): Promise<Outcome> {
  return new Promise((resolve) => {
    let sub: ReturnType<typeof spawn>;
    const out = o.logFd ?? 'pipe';
    let follower: LogFollower | undefined;
    try {
      const from = o.logFd !== undefined ? fstatSync(o.logFd).size : 0;
      // detached: the command leads a new process group, so its whole tree can be signalled.
      sub = spawn(file, args, { cwd: o.cwd, env: { ...process.env, ...o.env }, detached: true, stdio: ['ignore', out, out] });
      if (o.logFd !== undefined) follower = new LogFollower(o.logFd, from, { onOutput: o.onOutput, onSkip: o.onSkip });
    } catch (e) {
      // Arguments the OS cannot take (a NUL in the environment or the directory): this task fails, nothing else.
      resolve({ exitCode: null, signal: null, spawnError: (e as Error).message });
      return;
    }
    let done = false;
    let pipeTimer: NodeJS.Timeout | undefined;
    const settle = (r: Outcome) => {
      if (done) return;
      done = true;
      clearTimeout(pipeTimer);
      follower?.stop();
      resolve(r);
    };
    // Cannot start at all (no such program, bad cwd): 'error' without a pid.
    sub.once('error', (e) => {
      if (!sub.pid) settle({ exitCode: null, signal: null, spawnError: `${e.message}` });
    });
    if (sub.pid) {
      trackGroup(sub.pid);
      setPgid(sub.pid);
      o.onStart?.(sub.pid);
      if (o.signal?.aborted) endGroup(sub.pid);
    }
    // stdout and stderr interleaved as they arrive (colour kept), paused while the consumer is behind.
    // Written straight into the log, there are no streams: the log is read back instead.
    follower?.start();
    const streams = follower ? [] : [sub.stdout!, sub.stderr!];
    for (const stream of streams) {
      stream.on('data', (c: Buffer) => {
        if (o.onOutput(c) === false && o.onDrain) {
          stream.pause();
          o.onDrain(() => stream.resume());
        }
      });
    }
    // Once the command itself exits, end its group so lingering children release the pipes;
    // a process outside the group may still hold them: wait PIPE_GRACE_MS (longer while the
    // consumer still catches up), then the task is over.
    sub.once('exit', (code, signal) => {
      if (sub.pid) signalGroup(sub.pid, 'SIGKILL');
      const giveUp = () => {
        if (streams.some((s) => s.isPaused() && !s.destroyed)) return void (pipeTimer = setTimeout(giveUp, PIPE_GRACE_MS));
        for (const s of streams) s.destroy();
        settle({ exitCode: code, signal });
      };
      pipeTimer = setTimeout(giveUp, PIPE_GRACE_MS);
    });
    sub.once('close', (code, signal) => settle({ exitCode: code, signal }));
  });
}

function runPty(file: string, args: string[], o: ExecOptions, setPgid: (p: number) => void): Promise<Outcome> {
  return new Promise((resolve) => {
    let p: Pty.IPty;
    try {
      p = loadPty().spawn(file, args, { name: 'xterm-256color', cols: 120, rows: 30, cwd: o.cwd, env: { ...process.env, ...o.env } as Record<string, string> });
    } catch (e) {
      resolve({ exitCode: null, signal: null, spawnError: (e as Error).message });
      return;
    }
    // node-pty makes the child a session leader: its pid is its process group.
    trackGroup(p.pid);
    setPgid(p.pid);
    o.onStart?.(p.pid);
    if (o.signal?.aborted) endGroup(p.pid);
    p.onData((d) => {
      if (o.onOutput(Buffer.from(d)) === false && o.onDrain) {
        p.pause();
        o.onDrain(() => p.resume());
      }
    });
    p.onExit(({ exitCode, signal }) => {
      const sig = signal ? (signalName(signal) ?? String(signal)) : null;
      resolve({ exitCode: sig ? null : exitCode, signal: sig });
    });
  });
}

function signalName(n: number): string | undefined {
  return Object.entries(constants.signals).find(([, v]) => v === n)?.[0];
}
