/**
 * Plain-text agents: aider (shared facts, section 1: its usage line and edit lines) and preset
 * CLIs, which name their own limit and input patterns. Every line is text unless it matches.
 */
import type { AgentEvent } from './events.js';
import { oneLine } from './line-json.js';
import { isLimitText, resetTimeOr5h } from './reset-time.js';

/** "2.1k" -> 2100, "215" -> 215, "1.2M" -> 1 200 000. */
export function countWithSuffix(s: string): number {
  const m = /^([\d.,]+)\s*([kKmM]?)$/.exec(s.trim());
  if (!m) return 0;
  const n = Number(m[1]!.replace(/,/g, ''));
  return Math.round(n * (m[2]?.toLowerCase() === 'k' ? 1e3 : m[2]?.toLowerCase() === 'm' ? 1e6 : 1));
}

export interface TextPatterns {
  limit: RegExp[];
  input: RegExp[];
}

export function textParser(now: () => number, patterns: TextPatterns = { limit: [], input: [] }, localTz?: string): (line: string) => AgentEvent[] {
  let cost = 0;
  return (raw) => {
    const line = raw.replace(/\r$/, '');
    const t = line.trim();
    if (!t) return [];
    const tokens = /^Tokens: ([\d.,]+[kKmM]?) sent, ([\d.,]+[kKmM]?) received(?:, ([\d.,]+[kKmM]?) cache write)?(?:, ([\d.,]+[kKmM]?) cache hit)?\.(?: Cost: \$([\d.]+) message, \$([\d.]+) session\.)?/.exec(t);
    if (tokens) {
      const write = tokens[3] ? countWithSuffix(tokens[3]) : 0;
      const hit = tokens[4] ? countWithSuffix(tokens[4]) : 0;
      if (tokens[6]) cost = Number(tokens[6]);
      return [
        { kind: 'turn' },
        // aider's "sent" includes the cached part.
        { kind: 'usage', scope: 'delta', tokens: { input: Math.max(0, countWithSuffix(tokens[1]!) - hit - write), output: countWithSuffix(tokens[2]!), cacheRead: hit, cacheWrite: write }, ...(tokens[6] && { costUsd: cost }) },
      ];
    }
    const applied = /^Applied edit to (.+)$/.exec(t);
    if (applied) return [{ kind: 'tool-start', name: 'Edit', target: applied[1]! }, { kind: 'tool-end', ok: true, output: '' }];
    if (isLimitText(t) || patterns.limit.some((p) => p.test(t))) return [{ kind: 'limit', resetAt: resetTimeOr5h(t, now(), localTz), message: oneLine(t, 200) }];
    if (patterns.input.some((p) => p.test(t))) return [{ kind: 'needs-input', question: oneLine(t, 200) }];
    return [{ kind: 'text', text: line }];
  };
}
