/** `codex exec --json` lines -> AgentEvents (shared facts, section 2). */
import type { AgentEvent } from './events.js';
import { arr, jsonObject, num, obj, oneLine, str } from './line-json.js';
import { isLimitText, resetTimeOr5h } from './reset-time.js';

export function codexParser(now: () => number, localTz?: string): (line: string) => AgentEvent[] {
  const started = new Set<string>();
  const limitFrom = (text: string): AgentEvent[] => (isLimitText(text) ? [{ kind: 'limit', resetAt: resetTimeOr5h(text, now(), localTz), message: oneLine(text, 200) }] : []);
  return (line) => {
    const e = jsonObject(line);
    if (!e) return line.trim() ? [...limitFrom(line), { kind: 'chatter', message: line.trim() }] : [];
    switch (e.type) {
      case 'thread.started':
        return [{ kind: 'session', id: str(e.thread_id) ?? '' }];
      case 'turn.completed': {
        const u = obj(e.usage);
        const cached = num(u.cached_input_tokens) ?? 0;
        return [
          { kind: 'usage', scope: 'thread', tokens: { input: Math.max(0, (num(u.input_tokens) ?? 0) - cached), cacheRead: cached, output: num(u.output_tokens) ?? 0, reasoning: num(u.reasoning_output_tokens) ?? 0 } },
          { kind: 'result', ok: true, terminal: 'completed' },
        ];
      }
      case 'turn.failed': {
        const message = str(obj(e.error).message) ?? 'turn failed';
        return [...limitFrom(message), { kind: 'result', ok: false, reason: oneLine(message, 160), terminal: 'failed' }];
      }
      case 'error': {
        const message = str(e.message) ?? '';
        // "Reconnecting... 1/5" is retry chatter; only turn.failed ends a turn.
        return [...limitFrom(message), { kind: 'chatter', message }];
      }
      case 'request_user_input': {
        const q = obj(arr(e.questions)[0]);
        return [{ kind: 'needs-input', question: oneLine(str(q.question) ?? str(q.header) ?? str(e.prompt) ?? 'the agent requests input', 200) }];
      }
      case 'item.started':
      case 'item.completed':
        return itemEvents(obj(e.item), e.type === 'item.completed', started);
      default:
        return [];
    }
  };
}

function itemEvents(item: Record<string, unknown>, completed: boolean, started: Set<string>): AgentEvent[] {
  const id = str(item.id) ?? '';
  const tool = (name: string, target: string): AgentEvent[] => {
    const out: AgentEvent[] = [];
    if (!started.has(id)) {
      started.add(id);
      out.push({ kind: 'turn' }, { kind: 'tool-start', id, name, target });
    }
    return out;
  };
  switch (item.type) {
    case 'agent_message':
      return completed && str(item.text) ? [{ kind: 'text', text: str(item.text)! }] : [];
    case 'command_execution': {
      const out = tool('Bash', oneLine(str(item.command) ?? ''));
      if (completed) out.push({ kind: 'tool-end', id, ok: (num(item.exit_code) ?? 0) === 0 && item.status !== 'failed', output: str(item.aggregated_output) ?? '' });
      return out;
    }
    case 'file_change': {
      const paths = arr(item.changes).map((c) => str(obj(c).path) ?? '').filter(Boolean);
      const out = tool('Edit', paths.join(', '));
      if (completed) out.push({ kind: 'tool-end', id, ok: item.status !== 'failed', output: paths.map((p, i) => `${str(obj(arr(item.changes)[i]).kind) ?? 'update'} ${p}`).join('\n') });
      return out;
    }
    case 'error':
      return [{ kind: 'chatter', message: str(item.message) ?? 'error item' }];
    default:
      return [];
  }
}
