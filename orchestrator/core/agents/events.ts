/**
 * The one event vocabulary every agent CLI's stream is translated into (parsers per CLI), and
 * what the attempt reducer and the worker act on. Pure data.
 */

export const BUILTIN_CLIS = ['claude', 'codex', 'gemini', 'aider'] as const;
export type BuiltinCli = (typeof BUILTIN_CLIS)[number];

/** Token counts, normalised: `input` never includes cached tokens (cacheRead counts those). */
export interface Tokens {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  reasoning: number;
}

export const NO_TOKENS: Tokens = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, reasoning: 0 };

/** Everything counted against a token budget (reasoning is part of output already). */
export function tokenTotal(t: Tokens): number {
  return t.input + t.output + t.cacheRead + t.cacheWrite;
}

export function addTokens(a: Tokens, b: Partial<Tokens>): Tokens {
  return {
    input: a.input + (b.input ?? 0),
    output: a.output + (b.output ?? 0),
    cacheRead: a.cacheRead + (b.cacheRead ?? 0),
    cacheWrite: a.cacheWrite + (b.cacheWrite ?? 0),
    reasoning: a.reasoning + (b.reasoning ?? 0),
  };
}

export type AgentEvent =
  | { kind: 'session'; id: string; model?: string; version?: string }
  | { kind: 'text'; text: string }
  | { kind: 'tool-start'; id?: string; name: string; target: string }
  | { kind: 'tool-end'; id?: string; ok: boolean; output: string }
  /** A new turn of the model (counted against max_turns). */
  | { kind: 'turn' }
  /**
   * Token use. `scope`: `delta` adds to the attempt, `attempt` is the attempt's total so far
   * (replaces it), `thread` is the session's total across resumes (codex; the reducer subtracts
   * what earlier attempts counted).
   */
  | { kind: 'usage'; tokens: Partial<Tokens>; scope: 'delta' | 'attempt' | 'thread'; costUsd?: number }
  /** `exact`: an epoch from the CLI (wins over a time read from words). */
  | { kind: 'limit'; resetAt: number; message: string; exact?: boolean }
  | { kind: 'needs-input'; question: string }
  | { kind: 'result'; ok: boolean; reason?: string; turns?: number; terminal?: string; denials?: string[] }
  /** Retries, reconnects, warnings: shown in the log, never an outcome. */
  | { kind: 'chatter'; message: string };
