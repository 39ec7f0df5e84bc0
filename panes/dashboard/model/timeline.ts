/**
 * The run's Gantt chart as data: one bar per attempt, per agent, on the run's time axis, built
 * from logs/events.jsonl (claimed/started open a bar; finished, retried, failed, lease-expired,
 * requeued close it) and reconciled with the state for attempts still open. Pure.
 */
import type { RunEvent } from '../../../state/events.js';
import type { State } from '../../../state/schema.js';

export type BarStatus = 'done' | 'running' | 'failed' | 'lost';

export interface Bar {
  agent: string;
  task: string;
  attempt: number;
  start: number;
  end: number;
  status: BarStatus;
  critical: boolean;
  /** Worktree mode: the attempt's work was merged into the integration branch, or conflicted. */
  mark?: BarMark;
}

export type BarMark = 'merged' | 'conflict';

export interface TimelineRow {
  agent: string;
  bars: Bar[];
}

export interface Timeline {
  start: number;
  end: number;
  rows: TimelineRow[];
}

interface Open {
  agent: string;
  task: string;
  attempt: number;
  fence?: number;
  start: number;
  mark?: BarMark;
}

const CLOSING: Partial<Record<RunEvent['type'], BarStatus>> = {
  finished: 'done',
  retried: 'failed',
  failed: 'failed',
  'lease-expired': 'lost',
  requeued: 'lost',
};

export interface TimelineInput {
  events: readonly RunEvent[];
  state: State;
  /** Agents in display order (every one gets a row, bars or not). */
  agents: readonly string[];
  critical: ReadonlySet<string>;
  now: number;
}

export function buildTimeline(o: TimelineInput): Timeline {
  const { state: s } = o;
  const start = s.meta.startedAt;
  const running = s.meta.status === 'running';
  const bars: Bar[] = [];
  const open = new Map<string, Open>();
  let lastTs = start;
  const close = (b: Open, end: number, status: BarStatus) => {
    bars.push({ agent: b.agent, task: b.task, attempt: b.attempt, start: b.start, end: Math.max(end, b.start), status, critical: o.critical.has(b.task), ...(b.mark && { mark: b.mark }) });
  };
  for (const e of o.events) {
    // Events of earlier runs in the same directory are not on this run's axis.
    if (e.ts < start || !('task' in e) || !e.task) continue;
    lastTs = Math.max(lastTs, e.ts);
    const cur = open.get(e.task);
    if (e.type === 'claimed' && e.agent) {
      if (cur) close(cur, e.ts, 'lost');
      open.set(e.task, { agent: e.agent, task: e.task, attempt: e.attempt ?? 1, fence: e.fence, start: e.ts });
    } else if (e.type === 'merged' || e.type === 'conflict') {
      // Recorded in the same transaction as the result that closes the bar, just before it.
      if (cur) cur.mark = e.type;
    } else if (e.type === 'started') {
      // The process really started here (a claim may wait for its slot briefly).
      if (cur && (e.fence === undefined || e.fence === cur.fence)) cur.start = e.ts;
    } else {
      const status = CLOSING[e.type];
      const fence = 'fence' in e ? e.fence : undefined;
      if (!status || !cur || (fence !== undefined && cur.fence !== undefined && fence !== cur.fence)) continue;
      open.delete(e.task);
      close(cur, e.ts, status);
    }
  }
  const end = running ? Math.max(o.now, lastTs) : (s.meta.finishedAt ?? lastTs);
  for (const b of open.values()) {
    const t = s.tasks[b.task];
    const live = running && t?.status === 'running' && (b.fence === undefined || t.fence === b.fence);
    close(b, live ? end : Math.min(end, t?.finishedAt ?? end), live ? 'running' : 'lost');
  }
  bars.sort((a, b) => a.start - b.start);
  const rows = o.agents.map((agent) => ({ agent, bars: bars.filter((b) => b.agent === agent) }));
  return { start, end: Math.max(end, start), rows };
}
