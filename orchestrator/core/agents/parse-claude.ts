/** Claude Code `--output-format stream-json` lines -> AgentEvents (shared facts, section 2). */
import type { AgentEvent } from './events.js';
import { arr, contentText, jsonObject, num, obj, oneLine, str, toolTarget } from './line-json.js';
import { isLimitText, resetTimeOr5h } from './reset-time.js';

export function claudeParser(now: () => number, localTz?: string): (line: string) => AgentEvent[] {
  let cwd: string | undefined;
  const seenMessages = new Set<string>();
  const limitFrom = (text: string): AgentEvent[] => (isLimitText(text) ? [{ kind: 'limit', resetAt: resetTimeOr5h(text, now(), localTz), message: oneLine(text, 200) }] : []);
  return (line) => {
    const e = jsonObject(line);
    if (!e) return line.trim() ? [...limitFrom(line), { kind: 'chatter', message: line.trim() }] : [];
    switch (e.type) {
      case 'system':
        if (e.subtype === 'init') {
          cwd = str(e.cwd);
          return [{ kind: 'session', id: str(e.session_id) ?? '', model: str(e.model), version: str(e.claude_code_version) }];
        }
        if (e.subtype === 'api_retry') return [{ kind: 'chatter', message: `API retry ${num(e.attempt) ?? '?'}/${num(e.max_retries) ?? '?'}: ${str(e.error) ?? num(e.error_status) ?? ''}` }];
        return [];
      case 'assistant': {
        const m = obj(e.message);
        const out: AgentEvent[] = [];
        // One message may arrive as several lines (one per content block), each repeating its usage.
        const id = str(m.id);
        const fresh = !id || !seenMessages.has(id);
        if (id) seenMessages.add(id);
        if (fresh) {
          out.push({ kind: 'turn' });
          const u = obj(m.usage);
          out.push({ kind: 'usage', scope: 'delta', tokens: { input: num(u.input_tokens) ?? 0, output: num(u.output_tokens) ?? 0, cacheRead: num(u.cache_read_input_tokens) ?? 0, cacheWrite: num(u.cache_creation_input_tokens) ?? 0 } });
        }
        for (const b of arr(m.content).map(obj)) {
          if (b.type === 'text' && str(b.text)) out.push({ kind: 'text', text: str(b.text)! }, ...limitFrom(str(b.text)!));
          if (b.type === 'tool_use') {
            const name = str(b.name) ?? 'tool';
            out.push({ kind: 'tool-start', id: str(b.id), name, target: toolTarget(b.input, cwd) });
            if (name === 'AskUserQuestion') out.push({ kind: 'needs-input', question: askedQuestion(b.input) });
          }
        }
        return out;
      }
      case 'user':
        return arr(obj(e.message).content).map(obj).filter((b) => b.type === 'tool_result')
          .map((b) => ({ kind: 'tool-end', id: str(b.tool_use_id), ok: b.is_error !== true, output: contentText(b.content) }));
      case 'rate_limit_event': {
        const info = obj(e.rate_limit_info);
        if (info.status !== 'rejected') return [];
        const at = num(info.resetsAt);
        return [{ kind: 'limit', resetAt: at ? at * 1000 : resetTimeOr5h('', now()), message: `${str(info.rateLimitType) ?? 'usage'} limit reached`, exact: !!at }];
      }
      case 'result':
        return resultEvents(e, now, localTz);
      default:
        return [];
    }
  };
}

function askedQuestion(input: unknown): string {
  const q = obj(arr(obj(input).questions)[0]);
  return oneLine(str(q.question) ?? str(obj(input).question) ?? 'the agent asks a question', 200);
}

function resultEvents(e: Record<string, unknown>, now: () => number, localTz?: string): AgentEvent[] {
  const out: AgentEvent[] = [];
  const u = obj(e.usage);
  out.push({
    kind: 'usage', scope: 'attempt', costUsd: num(e.total_cost_usd),
    tokens: { input: num(u.input_tokens) ?? 0, output: num(u.output_tokens) ?? 0, cacheRead: num(u.cache_read_input_tokens) ?? 0, cacheWrite: num(u.cache_creation_input_tokens) ?? 0 },
  });
  const text = [str(e.result), ...arr(e.errors).map(String)].filter(Boolean).join(' ');
  if (e.api_error_status === 429 || (e.is_error === true && isLimitText(text))) {
    out.push({ kind: 'limit', resetAt: resetTimeOr5h(text, now(), localTz), message: oneLine(text || 'usage limit (HTTP 429)', 200) });
  }
  const denials = arr(e.permission_denials).map((d) => {
    const o = obj(d);
    return `${str(o.tool_name) ?? 'tool'} ${toolTarget(o.tool_input)}`.trim();
  });
  if (denials.length) out.push({ kind: 'needs-input', question: `permission denied: ${denials.join('; ')}` });
  const ok = e.is_error !== true && (e.subtype === undefined || e.subtype === 'success');
  const terminal = str(e.terminal_reason) ?? (e.subtype === 'error_max_turns' ? 'max_turns' : str(e.subtype));
  const reason = ok ? undefined : claudeReason(e, terminal, text);
  out.push({ kind: 'result', ok, turns: num(e.num_turns), terminal, denials, ...(reason && { reason }) });
  return out;
}

function claudeReason(e: Record<string, unknown>, terminal: string | undefined, text: string): string {
  if (terminal === 'max_turns' || e.subtype === 'error_max_turns') return `stopped after ${num(e.num_turns) ?? '?'} turns`;
  if (terminal === 'budget_exhausted' || e.subtype === 'error_max_budget_usd') return 'cost budget exhausted';
  if (terminal === 'api_error') return `API error ${num(e.api_error_status) ?? ''}${text ? `: ${oneLine(text, 120)}` : ''}`.trim();
  if (terminal === 'blocking_limit') return 'context window full';
  return oneLine(text || `agent error (${terminal ?? 'unknown'})`, 160);
}
