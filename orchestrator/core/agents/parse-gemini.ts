/** Gemini CLI `-o stream-json` lines -> AgentEvents (shared facts, section 2). */
import type { AgentEvent } from './events.js';
import { jsonObject, num, obj, oneLine, str, toolTarget } from './line-json.js';
import { isLimitText, resetTimeOr5h } from './reset-time.js';

export function geminiParser(now: () => number, localTz?: string): (line: string) => AgentEvent[] {
  let cwd: string | undefined;
  const limitFrom = (text: string): AgentEvent[] => (isLimitText(text) ? [{ kind: 'limit', resetAt: resetTimeOr5h(text, now(), localTz), message: oneLine(text, 200) }] : []);
  return (line) => {
    const e = jsonObject(line);
    if (!e) return line.trim() ? [...limitFrom(line), { kind: 'chatter', message: line.trim() }] : [];
    switch (e.type) {
      case 'init':
        cwd = str(e.cwd);
        return [{ kind: 'session', id: str(e.session_id) ?? '', model: str(e.model) }];
      case 'message':
        return e.role === 'assistant' && str(e.content) ? [{ kind: 'text', text: str(e.content)! }] : [];
      case 'tool_use':
        return [{ kind: 'turn' }, { kind: 'tool-start', id: str(e.tool_id), name: str(e.tool_name) ?? 'tool', target: toolTarget(e.parameters, cwd) }];
      case 'tool_result':
        return [{ kind: 'tool-end', id: str(e.tool_id), ok: e.status === 'success', output: str(e.output) ?? str(obj(e.error).message) ?? '' }];
      case 'error': {
        const message = str(e.message) ?? '';
        return [...limitFrom(message), { kind: 'chatter', message }];
      }
      case 'result': {
        const s = obj(e.stats);
        const cached = num(s.cached) ?? 0;
        const err = obj(e.error);
        const ok = e.status === 'success';
        const message = str(err.message) ?? '';
        const turnLimit = err.type === 'MaxSessionTurnsError';
        return [
          { kind: 'usage', scope: 'attempt', tokens: { input: Math.max(0, (num(s.input_tokens) ?? 0) - cached), cacheRead: cached, output: num(s.output_tokens) ?? 0 } },
          ...(ok ? [] : limitFrom(message)),
          { kind: 'result', ok, terminal: str(err.type) ?? (ok ? 'completed' : 'error'), ...(!ok && { reason: turnLimit ? 'stopped at the session turn limit' : oneLine(message || 'error', 160) }) },
        ];
      }
      default:
        return [];
    }
  };
}
