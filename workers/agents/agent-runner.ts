/**
 * Runs one attempt of an `agent:` task: the CLI's exact headless command (core/agents/command)
 * in its own process group, stdin ignored, CLAUDECODE removed, the agent path first on PATH;
 * reads its stream as it comes (lenient parser, transcript to the log), follows it with the
 * attempt reducer, and stops it when a budget, the turn cap, an input question (on_input:
 * fail) or a stall says so: SIGINT, then SIGTERM to the group, then SIGKILL, a ladder step apart.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { agentCommand, canResume, showCommand } from '../../orchestrator/core/agents/command.js';
import { NO_TOKENS, type AgentEvent, type Tokens } from '../../orchestrator/core/agents/events.js';
import { parserFor } from '../../orchestrator/core/agents/parser.js';
import { newAttempt, reduceAttempt, stopCheck, verdict, type AttemptView, type StopReason, type Verdict } from '../../orchestrator/core/agents/attempt.js';
import type { AgentPreset, AgentSpec } from '../../orchestrator/core/agents/spec.js';
import { groupAlive, signalGroup, trackGroup, untrackGroup } from '../os/process-groups.js';
import { readProcTable } from '../os/process-tree.js';
import { transcriptLines } from './transcript.js';

/** Prompts longer than this go to a file the agent is told to read (argv has limits). */
export const MAX_ARG_PROMPT = 100_000;
/** Seconds between the rungs of the stop ladder; ORCHESTRATOR_AGENT_KILL_STEP (ms) for tests. */
export function ladderStepMs(): number {
  const v = Number(process.env.ORCHESTRATOR_AGENT_KILL_STEP);
  return Number.isFinite(v) && v > 0 ? v : 10_000;
}

export interface AgentRunInput {
  taskId: string;
  spec: AgentSpec;
  preset?: AgentPreset;
  cwd: string;
  env: Record<string, string>;
  agentPath?: string;
  /** Where prompt files for long prompts go. */
  promptDir: string;
  /** Resume this session (from an earlier attempt), when the CLI can. */
  resume?: string;
  /** Codex thread totals already counted by earlier attempts of the same thread. */
  threadBase?: Tokens;
  /** Tokens the task's earlier attempts used (the budget covers the task). */
  earlierTokens: number;
  log: (line: string) => void;
  onEvent: (view: AttemptView, e: AgentEvent) => void;
  onStart?: (pgid: number) => void;
  signal?: AbortSignal;
}

export interface AgentRunResult {
  view: AttemptView;
  verdict: Verdict;
  stop?: StopReason;
  exitCode: number | null;
  signal: string | null;
  aborted: boolean;
  spawnError?: string;
  argv: string[];
}

/** The child's environment: no nested-session marker, the agent path first on PATH. */
export function agentEnv(base: NodeJS.ProcessEnv, extra: Record<string, string>, agentPath?: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...base, ...extra })) if (v !== undefined) env[k] = v;
  delete env.CLAUDECODE;
  const path = agentPath ?? base.ORCHESTRATOR_AGENT_PATH;
  if (path) env.PATH = [path, env.PATH].filter(Boolean).join(delimiter);
  return env;
}

/**
 * CPU time of the agent's process group so far, and whether any of it is runnable or in
 * uninterruptible I/O now: a process waiting for a CPU on a loaded machine is not wedged.
 */
function groupActivity(pgid: number): { ticks: number; runnable: boolean } {
  let ticks = 0;
  let runnable = false;
  for (const p of readProcTable().values()) {
    if (p.pgid !== pgid || p.zombie) continue;
    ticks += p.ticks;
    if (p.state === 'R' || p.state === 'D') runnable = true;
  }
  return { ticks, runnable };
}

export async function runAgent(a: AgentRunInput): Promise<AgentRunResult> {
  const { spec } = a;
  const now = () => Date.now();
  const resume = a.resume && canResume(spec.cli) ? a.resume : undefined;
  const sessionId = !resume && spec.cli === 'claude' ? randomUUID() : undefined;
  let prompt = spec.prompt;
  if (Buffer.byteLength(prompt) > MAX_ARG_PROMPT) {
    mkdirSync(a.promptDir, { recursive: true });
    const file = join(a.promptDir, `${a.taskId}.md`);
    writeFileSync(file, prompt);
    prompt = `Read the file ${file} and carry out the task it describes.`;
  }
  const argv = agentCommand({ spec, prompt, sessionId, resume, preset: a.preset });
  a.log(`$ ${showCommand(argv, prompt)}`);
  let view = newAttempt(spec.cli, now(), a.threadBase ?? NO_TOKENS);
  const parse = parserFor(spec.cli, now, a.preset, Intl.DateTimeFormat().resolvedOptions().timeZone);
  const apply = (e: AgentEvent, quiet = false) => {
    view = reduceAttempt(view, e, now());
    if (!quiet) for (const l of transcriptLines(e)) a.log(l);
    a.onEvent(view, e);
  };
  // The session id the orchestrator chose (or resumes) is known before the first line: in the
  // state at once, so a worker killed right after the spawn still leaves a session to resume.
  if (sessionId || resume) apply({ kind: 'session', id: (sessionId ?? resume)! }, true);

  return new Promise((resolve) => {
    let stop: StopReason | undefined;
    let aborted = false;
    let ladder: NodeJS.Timeout[] = [];
    const sub = spawn(argv[0]!, argv.slice(1), { cwd: a.cwd, env: agentEnv(process.env, a.env, a.agentPath), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const pgid = sub.pid;
    let done = false;
    const settle = (r: Omit<AgentRunResult, 'view' | 'verdict' | 'argv' | 'stop' | 'aborted'>) => {
      if (done) return;
      done = true;
      clearInterval(watch);
      for (const t of ladder) clearTimeout(t);
      a.signal?.removeEventListener('abort', onAbort);
      if (pgid) {
        signalGroup(pgid, 'SIGKILL'); // nothing of the agent outlives its attempt
        untrackGroup(pgid);
      }
      const v = r.spawnError ? ({ kind: 'failed', reason: `${spec.cli} could not start: ${r.spawnError}` } as Verdict) : verdict(view, spec, stop, { code: r.exitCode, signal: r.signal });
      resolve({ ...r, view, verdict: v, stop, aborted, argv });
    };
    sub.once('error', (e) => {
      if (!sub.pid) settle({ exitCode: null, signal: null, spawnError: (e as NodeJS.ErrnoException).code === 'ENOENT' ? `'${argv[0]}' not found on PATH` : e.message });
    });
    /** SIGINT to the CLI (its own clean stop), then SIGTERM, then SIGKILL to the whole group. */
    const climb = (why: StopReason) => {
      if (stop || !pgid) return;
      stop = why;
      a.log(`■ stopping: ${why.reason}`);
      const step = ladderStepMs();
      try {
        process.kill(pgid, 'SIGINT');
      } catch {
        // already gone
      }
      ladder = [
        setTimeout(() => groupAlive(pgid) && signalGroup(pgid, 'SIGTERM'), step),
        setTimeout(() => groupAlive(pgid) && signalGroup(pgid, 'SIGKILL'), 2 * step),
      ];
    };
    const onAbort = () => {
      aborted = true;
      if (!pgid) return;
      signalGroup(pgid, 'SIGTERM');
      ladder.push(setTimeout(() => groupAlive(pgid) && signalGroup(pgid, 'SIGKILL'), 2000));
    };
    a.signal?.addEventListener('abort', onAbort, { once: true });
    if (pgid) {
      trackGroup(pgid);
      a.onStart?.(pgid);
      if (a.signal?.aborted) onAbort();
    }
    let earlierTicks = -1;
    let busy = false;
    const check = () => {
      if (stop || aborted) return;
      const why = stopCheck(view, spec, now(), a.earlierTokens, busy);
      if (why) climb(why);
    };
    // The watchdog: CPU of the process group since the last look (a silent build is not a stall).
    const tickMs = Math.max(100, Math.min(1000, spec.stall.idleMs / 4, spec.stall.afterResultMs / 4));
    const watch = setInterval(() => {
      if (pgid) {
        const { ticks, runnable } = groupActivity(pgid);
        busy = runnable || (earlierTicks >= 0 && ticks > earlierTicks);
        earlierTicks = ticks;
      }
      check();
    }, tickMs);
    for (const stream of [sub.stdout!, sub.stderr!]) {
      let partial = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        const lines = (partial + chunk).split('\n');
        partial = lines.pop()!;
        for (const l of lines) onLine(l);
      });
      stream.on('end', () => partial && onLine(partial));
    }
    function onLine(line: string): void {
      const events = parse(line);
      if (!events.length && line.trim()) a.log(`· ${line.length > 200 ? line.slice(0, 199) + '…' : line}`);
      for (const e of events) apply(e);
      check();
    }
    sub.once('close', (code, signal) => settle({ exitCode: code, signal }));
  });
}
