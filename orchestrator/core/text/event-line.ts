/** One human line per run event, for the single-terminal progress and the control pane. */
import type { RunEvent } from '../../../state/events.js';

const time = (ts: number, full = false) => (full ? new Date(ts).toISOString() : new Date(ts).toISOString().slice(11, 23));

export function formatEvent(e: RunEvent, o: { fullTime?: boolean } = {}): string | undefined {
  const agent = 'agent' in e ? e.agent : undefined;
  const attempt = 'attempt' in e ? e.attempt : undefined;
  const who = agent ? ` ${agent}` : '';
  const att = attempt && attempt > 1 ? ` (attempt ${attempt})` : '';
  const body = ((): string | undefined => {
    switch (e.type) {
      case 'started': return `▶ ${e.task}${who}${att}`;
      case 'finished': return `✔ ${e.task}${who} in ${e.durationMs} ms`;
      case 'merged': return `⑃ ${e.task} merged as ${e.commit?.slice(0, 12)}`;
      case 'conflict': return `⚡ ${e.task} ${e.reason}`;
      case 'failed': return `✖ ${e.task}${who} failed for good: ${e.reason}`;
      case 'retried': return `↻ ${e.task}${who} failed (${e.reason}); will retry`;
      case 'blocked': return `⊘ ${e.task} blocked: ${e.reason}`;
      case 'requeued': return `↺ ${e.task} requeued: ${e.reason}`;
      case 'lease-expired': return `⌛ ${e.task} lease lost${who}: ${e.reason}`;
      case 'stale-result-rejected': return `⚠ stale result for ${e.task} from${who} rejected (${e.reason})`;
      case 'group-started': return `quad ${e.quad} up (${e.reason})`;
      case 'group-exited': return `quad ${e.quad} ${e.reason}`;
      case 'group-restarted': return `quad ${e.quad} restarted: ${e.reason}`;
      case 'group-failed': return `quad ${e.quad} given up: ${e.reason}`;
      case 'alert': return `ALERT ${e.reason}`;
      case 'run-started': return `run started: ${e.reason}`;
      case 'run-finished': return 'run finished';
      case 'run-interrupted': return 'run interrupted';
      case 'paused': return 'claiming paused';
      case 'resumed': return 'claiming resumed';
      default: return undefined;
    }
  })();
  return body && `${time(e.ts, o.fullTime)} ${body}`;
}
