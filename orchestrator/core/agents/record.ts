/**
 * The small record of an agent task kept in the state (TaskState.ai), from the current
 * attempt's view and what the task's earlier attempts left. Pure.
 */
import type { AttemptView } from './attempt.js';
import { addTokens, NO_TOKENS, type Tokens } from './events.js';

export type AgentRecordState = 'working' | 'needs-input' | 'stalled' | 'paused' | 'done' | 'failed';

export interface AgentRecordShape {
  cli: string;
  session?: string;
  version?: string;
  state: AgentRecordState;
  turns: number;
  tokens: Tokens;
  before?: Tokens;
  thread?: Tokens;
  costUsd?: number;
  question?: string;
  until?: number;
  limits?: number;
  stalls?: number;
  tool?: string;
  actions?: string[];
  lastAt?: number;
}

/** What earlier attempts of the task spent: the base the current attempt adds to. */
export interface AttemptBase {
  tokens: Tokens;
  turns: number;
  costUsd: number;
  limits?: number;
  stalls?: number;
  session?: string;
}

export function attemptBase(prev: AgentRecordShape | undefined): AttemptBase {
  return { tokens: prev?.tokens ?? NO_TOKENS, turns: prev?.turns ?? 0, costUsd: prev?.costUsd ?? 0, limits: prev?.limits, stalls: prev?.stalls, session: prev?.session };
}

export function agentRecord(base: AttemptBase, v: AttemptView, state: AgentRecordState): AgentRecordShape {
  const cost = base.costUsd + (v.costUsd ?? 0);
  return {
    cli: v.cli,
    ...((v.session ?? base.session) && { session: v.session ?? base.session }),
    ...(v.version && { version: v.version }),
    state,
    turns: base.turns + v.turns,
    tokens: addTokens(base.tokens, v.tokens),
    before: base.tokens,
    ...(v.cli === 'codex' && { thread: addTokens(v.threadBase, v.tokens) }),
    ...(cost > 0 && { costUsd: Math.round(cost * 1e6) / 1e6 }),
    ...(v.question && { question: v.question }),
    ...(base.limits && { limits: base.limits }),
    ...(base.stalls && { stalls: base.stalls }),
    ...(v.tool && { tool: `${v.tool.name} ${v.tool.target}`.trim() }),
    ...(v.actions.length && { actions: v.actions.slice(-3) }),
    lastAt: v.lastEventAt,
  };
}
