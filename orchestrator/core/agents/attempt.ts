/**
 * One agent attempt as the orchestrator follows it: a pure reducer over the normalised events
 * (what the state, the panes and the verdict read), plus the checks the worker's watchdog runs
 * against the spec (budgets, turns, stalls). The clock is passed in.
 */
import { addTokens, NO_TOKENS, tokenTotal, type AgentEvent, type Tokens } from './events.js';
import type { AgentSpec } from './spec.js';

export interface AttemptView {
  cli: string;
  version?: string;
  model?: string;
  session?: string;
  turns: number;
  tokens: Tokens;
  costUsd?: number;
  /** Codex reports thread totals: what earlier attempts of the same thread already counted. */
  threadBase: Tokens;
  startedAt: number;
  lastEventAt: number;
  tool?: { name: string; target: string; since: number };
  result?: { ok: boolean; reason?: string; terminal?: string; at: number };
  limit?: { resetAt: number; message: string; exact?: boolean };
  question?: string;
  denials: string[];
  /** The last few actions, newest last ("Edit voice/synth.py"). */
  actions: string[];
}

export const ACTIONS_KEPT = 5;

export function newAttempt(cli: string, now: number, threadBase: Tokens = NO_TOKENS): AttemptView {
  return { cli, turns: 0, tokens: NO_TOKENS, threadBase, startedAt: now, lastEventAt: now, denials: [], actions: [] };
}

function minus(a: Partial<Tokens>, b: Tokens): Tokens {
  const t = addTokens(NO_TOKENS, a);
  return { input: Math.max(0, t.input - b.input), output: Math.max(0, t.output - b.output), cacheRead: Math.max(0, t.cacheRead - b.cacheRead), cacheWrite: Math.max(0, t.cacheWrite - b.cacheWrite), reasoning: Math.max(0, t.reasoning - b.reasoning) };
}

export function reduceAttempt(v: AttemptView, e: AgentEvent, now: number): AttemptView {
  const n = { ...v, lastEventAt: now };
  switch (e.kind) {
    case 'session':
      return { ...n, session: e.id || v.session, model: e.model ?? v.model, version: e.version ?? v.version };
    case 'turn':
      return { ...n, turns: v.turns + 1 };
    case 'usage': {
      const tokens = e.scope === 'delta' ? addTokens(v.tokens, e.tokens) : e.scope === 'attempt' ? addTokens(NO_TOKENS, e.tokens) : minus(e.tokens, v.threadBase);
      return { ...n, tokens, ...(e.costUsd !== undefined && { costUsd: e.costUsd }) };
    }
    case 'tool-start': {
      const action = `${e.name} ${e.target}`.trim();
      return { ...n, tool: { name: e.name, target: e.target, since: now }, actions: [...v.actions, action].slice(-ACTIONS_KEPT) };
    }
    case 'tool-end':
      return { ...n, tool: undefined };
    case 'limit':
      // An exact reset time (an epoch from the CLI) is not replaced by one read from words.
      if (v.limit?.exact && !e.exact) return n;
      return { ...n, limit: { resetAt: e.resetAt, message: e.message, ...(e.exact && { exact: true }) } };
    case 'needs-input':
      return { ...n, question: e.question, denials: e.question.startsWith('permission denied') ? [...v.denials, e.question] : v.denials };
    case 'result':
      return { ...n, tool: undefined, turns: Math.max(v.turns, e.turns ?? 0), result: { ok: e.ok, reason: e.reason, terminal: e.terminal, at: now } };
    default:
      return n;
  }
}

/** Why the orchestrator stops a running agent (checked on every event and by the watchdog). */
export type StopReason =
  | { kind: 'max-turns'; reason: string }
  | { kind: 'budget'; reason: string }
  | { kind: 'stalled'; reason: string }
  | { kind: 'input'; reason: string };

/** `12.3k`, `2.0M`: a short token count for narrow places. */
export function shortCount(n: number): string {
  if (n < 1000) return String(Math.round(n));
  if (n < 1e6) return `${(n / 1e3).toFixed(n < 1e4 ? 1 : 0)}k`;
  return `${(n / 1e6).toFixed(1)}M`;
}

/** `claude · 4 turns · 12.3k tok · $0.02`: one line for a pane. */
export function attemptSummary(cli: string, turns: number, tokens: number, costUsd?: number): string {
  return `${cli} · ${turns} turn${turns === 1 ? '' : 's'} · ${shortCount(tokens)} tok${costUsd ? ` · $${costUsd.toFixed(2)}` : ''}`;
}

/** `1 234 567`: token counts as people read them. */
export function groupDigits(n: number): string {
  return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ' ');
}

/**
 * Limits the spec sets and the stream shows crossed. `earlierTokens`: what the task's earlier
 * attempts used (the budget covers the whole task). `cpuBusy`: the process tree used CPU
 * lately (a long silent build is not a stall).
 */
export function stopCheck(v: AttemptView, spec: AgentSpec, now: number, earlierTokens: number, cpuBusy: boolean): StopReason | undefined {
  if (spec.maxTurns !== undefined && v.turns > spec.maxTurns) return { kind: 'max-turns', reason: `stopped after ${spec.maxTurns} turns` };
  const used = earlierTokens + tokenTotal(v.tokens);
  if (spec.budgetTokens !== undefined && used > spec.budgetTokens) return { kind: 'budget', reason: `token budget ${groupDigits(spec.budgetTokens)} exceeded at ${groupDigits(used)}` };
  if (spec.budgetWallMs !== undefined && now - v.startedAt > spec.budgetWallMs) return { kind: 'budget', reason: `wall-time budget ${Math.round(spec.budgetWallMs / 1000)}s exceeded` };
  if (v.question && spec.onInput === 'fail') return { kind: 'input', reason: `needs input: ${v.question}` };
  return stallCheck(v, spec, now, cpuBusy);
}

export function stallCheck(v: AttemptView, spec: AgentSpec, now: number, cpuBusy: boolean): StopReason | undefined {
  const quiet = now - v.lastEventAt;
  const secs = (ms: number) => `${Math.round(ms / 1000)}s`;
  if (v.result) {
    return now - v.result.at > spec.stall.afterResultMs ? { kind: 'stalled', reason: `still running ${secs(spec.stall.afterResultMs)} after its result` } : undefined;
  }
  if (cpuBusy) return undefined;
  if (v.tool) return quiet > spec.stall.toolMs ? { kind: 'stalled', reason: `no event for ${secs(quiet)} while ${v.tool.name} ${v.tool.target} runs, process tree idle` } : undefined;
  return quiet > spec.stall.idleMs ? { kind: 'stalled', reason: `no event for ${secs(quiet)}, process tree idle` } : undefined;
}

/** How the attempt ended, from the stream first and the exit code last (shared facts, section 1). */
export type Verdict =
  | { kind: 'ok' }
  | { kind: 'failed'; reason: string }
  | { kind: 'limit'; resetAt: number; message: string }
  | { kind: 'stalled'; reason: string };

export function verdict(v: AttemptView, spec: AgentSpec, stop: StopReason | undefined, exit: { code: number | null; signal: string | null }): Verdict {
  // Hanging after its result: the work is done; the result decides, not the hang.
  if (stop?.kind === 'stalled' && !v.result) return { kind: 'stalled', reason: stop.reason };
  if (stop?.kind === 'stalled') stop = undefined;
  if (stop) return { kind: 'failed', reason: stop.reason };
  if (v.limit) {
    return spec.onLimit === 'pause' ? { kind: 'limit', resetAt: v.limit.resetAt, message: v.limit.message } : { kind: 'failed', reason: `usage limit: ${v.limit.message}` };
  }
  if (v.result) {
    if (!v.result.ok) return { kind: 'failed', reason: v.result.reason ?? 'the agent reported an error' };
    if (spec.maxTurns !== undefined && v.turns > spec.maxTurns) return { kind: 'failed', reason: `stopped after ${spec.maxTurns} turns (it took ${v.turns})` };
    if (v.denials.length && spec.onInput === 'fail') return { kind: 'failed', reason: `needs input: ${v.denials.join('; ')}` };
    return { kind: 'ok' };
  }
  // No result: plain-text CLIs only have their exit code; a JSON CLI without one crashed.
  const textCli = spec.cli !== 'claude' && spec.cli !== 'codex' && spec.cli !== 'gemini';
  if (textCli && exit.code === 0) return { kind: 'ok' };
  return { kind: 'failed', reason: `${spec.cli} ${exit.signal ? `was killed by ${exit.signal}` : `exited with ${exit.code}`} without a result` };
}
