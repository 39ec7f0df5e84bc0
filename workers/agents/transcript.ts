/** How an agent's events read in the task and agent logs: a transcript, one line per thing that happened. */
import type { AgentEvent } from '../../orchestrator/core/agents/events.js';
import { oneLine } from '../../orchestrator/core/agents/line-json.js';

const RESULT_CHARS = 160;

export function transcriptLines(e: AgentEvent): string[] {
  switch (e.kind) {
    case 'session':
      return [`session ${e.id}${e.model ? ` · ${e.model}` : ''}${e.version ? ` · v${e.version}` : ''}`];
    case 'text':
      return e.text.split('\n').filter((l) => l.trim()).slice(0, 6).map((l) => `> ${oneLine(l, 200)}`);
    case 'tool-start':
      return [`→ ${e.name} ${e.target}`.trimEnd()];
    case 'tool-end': {
      const first = oneLine(e.output, RESULT_CHARS);
      return [`  ${e.ok ? '←' : '✗'} ${first || (e.ok ? 'ok' : 'error')}`];
    }
    case 'limit':
      return [`! usage limit: ${e.message} (resets ${new Date(e.resetAt).toISOString().slice(11, 19)} UTC)`];
    case 'needs-input':
      return [`? needs input: ${e.question}`];
    case 'result':
      return [`= result: ${e.ok ? 'success' : `error: ${e.reason ?? e.terminal ?? '?'}`}${e.turns !== undefined ? ` after ${e.turns} turns` : ''}`];
    case 'chatter':
      return [`· ${oneLine(e.message, 200)}`];
    default:
      return [];
  }
}
