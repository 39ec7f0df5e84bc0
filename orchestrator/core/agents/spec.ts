/** An `agent:` task as the rest of the system sees it, after the plan is validated and normalised. */

export const PERMISSIONS = ['read-only', 'workspace', 'full'] as const;
export type Permission = (typeof PERMISSIONS)[number];

export interface StallLimits {
  /** No event at all for this long (and the process tree idle). */
  idleMs: number;
  /** No event for this long while a tool runs (and the process tree idle). */
  toolMs: number;
  /** The result came but the process did not exit. */
  afterResultMs: number;
}

export interface AgentSpec {
  /** claude | codex | gemini | aider, or a preset of the plan. */
  cli: string;
  /** The prompt text (a prompt_file is read when the plan is loaded). */
  prompt: string;
  promptFile?: string;
  model?: string;
  permission: Permission;
  maxTurns?: number;
  budgetTokens?: number;
  budgetWallMs?: number;
  onLimit: 'pause' | 'fail';
  limitMarginMs: number;
  onInput: 'fail' | 'wait';
  stall: StallLimits;
  args: string[];
}

/** A CLI the plan describes itself (`agent_presets:`). */
export interface AgentPreset {
  /** argv; `{prompt}` and `{model}` are replaced. */
  command: string[];
  output: 'text';
  limitPatterns: string[];
  inputPatterns: string[];
}

export const DEFAULT_STALL: StallLimits = { idleMs: 5 * 60_000, toolMs: 15 * 60_000, afterResultMs: 60_000 };
export const DEFAULT_LIMIT_MARGIN_MS = 90_000;
/** Automatic resumes after a usage limit (and after a stall) before the task fails. */
export const MAX_AUTO_RESUMES = 2;
