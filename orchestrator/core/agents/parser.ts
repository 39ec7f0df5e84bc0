/** The stream parser for a CLI: one per attempt (parsers keep a little state, e.g. seen message ids). */
import type { AgentEvent } from './events.js';
import { claudeParser } from './parse-claude.js';
import { codexParser } from './parse-codex.js';
import { geminiParser } from './parse-gemini.js';
import { textParser } from './parse-text.js';
import type { AgentPreset } from './spec.js';

export type LineParser = (line: string) => AgentEvent[];

export function parserFor(cli: string, now: () => number, preset?: AgentPreset, localTz?: string): LineParser {
  switch (cli) {
    case 'claude': return claudeParser(now, localTz);
    case 'codex': return codexParser(now, localTz);
    case 'gemini': return geminiParser(now, localTz);
    default:
      return textParser(now, {
        limit: (preset?.limitPatterns ?? []).map((p) => new RegExp(p, 'i')),
        input: (preset?.inputPatterns ?? []).map((p) => new RegExp(p, 'i')),
      }, localTz);
  }
}
