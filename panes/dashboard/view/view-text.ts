/**
 * The view model as text: status line, counts, agent table cells and column widths, alert
 * lines. Shared by the blessed screen and `orchestrator status`, so both say the same. Pure.
 */
import { formatDuration } from '../../../orchestrator/core/text/duration.js';
import { fit } from '../../../orchestrator/core/text/fit.js';
import type { Alert } from '../../../state/schema.js';
import type { AgentRow, DashboardModel, Progress, StatusInfo } from '../model/view-model.js';
import { textBar } from '../../../orchestrator/core/text/progress-line.js';
import { shortCount } from '../../../orchestrator/core/agents/attempt.js';

export const dur = (ms: number | undefined): string => (ms === undefined ? '—' : formatDuration(ms));


export function etaText(st: StatusInfo): string {
  if (st.runStatus === 'finished') return 'done';
  if (st.runStatus === 'interrupted') return 'interrupted';
  return `${st.etaOverrun ? '≥' : '~'}${dur(st.etaMs)}${st.paused ? ' (paused)' : ''}`;
}

/** The status line's parts, in a long and a short wording. */
export function statusParts(m: DashboardModel, short = false): string[] {
  const st = m.status;
  const head = `${st.planName} · ${st.runStatus}${st.paused ? ' · PAUSED' : ''}`;
  const done = `${m.progress.done}/${m.progress.total} done`;
  if (!short) {
    return [head, done, `elapsed ${dur(st.elapsedMs)}`, `makespan ${dur(st.makespanMs)} vs lower bound ${dur(st.lowerBoundMs)}`, `ETA ${etaText(st)}`];
  }
  return [head, done, dur(st.elapsedMs), `makespan ${dur(st.makespanMs)} (≥${dur(st.lowerBoundMs)})`, `ETA ${etaText(st)}`];
}

/** The longest wording that fits `width`, with the keys hint at the right when there is room. */
export function statusLine(m: DashboardModel, width: number, keysHint = ''): string {
  const long = statusParts(m).join(' │ ');
  const short = statusParts(m, true);
  // The narrowest (the control pane of an 80x24 session) keeps progress, time and the ETA.
  const least = [short[1], short[2], short[4]].join(' ');
  const line = [long, short.join(' │ '), short.join(' '), short.slice(1).join(' '), least].find((l) => l.length <= width) ?? least;
  if (keysHint && line.length + keysHint.length + 3 <= width) return `${line}${' '.repeat(width - line.length - keysHint.length)}${keysHint}`;
  return fit(line, width);
}

export function countsText(p: Progress, sep = ' · '): string {
  const c = p.counts;
  return [`${c.done} done`, `${c.running} running`, `${c.ready} ready`, `${c.pending} pending`, `${c.failed} failed`, `${c.blocked} blocked`].join(sep);
}

export interface Column {
  key: 'quad' | 'agent' | 'state' | 'task' | 'elapsed' | 'restarts' | 'done' | 'tokens' | 'cost';
  header: string;
  width: number;
}

/** The TASK column's least useful width: an id, an attempt and the start of the title ("T015#2 Avata…"). */
export const TASK_MIN = 12;

/**
 * Column widths for a table `inner` columns wide. Agent names are not cut below their longest
 * (up to 24) while there is room; the task column takes what is left. Narrow (the control pane
 * of an 80x24 quad session is 40 columns), the task column keeps at least TASK_MIN: what an agent
 * is working on matters more than its restarts, a long name's tail, its elapsed time and a long
 * state word, which give way in that order. `gap` is the space between columns.
 */
export function agentColumns(inner: number, longestName: number, gap = 1, agentTasks = false): Column[] {
  const fixed: Column[] = [
    { key: 'quad', header: 'Q', width: 1 },
    { key: 'agent', header: 'AGENT', width: Math.min(24, Math.max(5, longestName)) },
    // AI agent states read "needs input" and "paused until 20:00".
    { key: 'state', header: 'STATE', width: agentTasks ? 18 : 10 },
    { key: 'task', header: 'TASK', width: 0 },
    { key: 'elapsed', header: 'ELAPSED', width: 7 },
    { key: 'restarts', header: 'RST', width: 3 },
  ];
  const used = () => fixed.reduce((n, c) => n + c.width + gap, 0);
  const col = (key: Column['key']) => fixed.find((c) => c.key === key);
  const drop = (key: Column['key']) => fixed.splice(fixed.findIndex((c) => c.key === key), 1);
  const narrow = (key: Column['key'], width: number) => (col(key)!.width = Math.min(col(key)!.width, width));
  const giveWay = [() => drop('restarts'), () => narrow('agent', 12), () => drop('elapsed'), () => narrow('state', 8), () => narrow('agent', Math.max(6, inner - (used() - col('agent')!.width) - TASK_MIN))];
  for (const step of giveWay) {
    if (inner - used() >= TASK_MIN) break;
    step();
  }
  if (agentTasks && inner - used() - 14 - 2 * gap >= 24) fixed.splice(4, 0, { key: 'tokens', header: 'TOKENS', width: 6 }, { key: 'cost', header: 'COST', width: 7 });
  if (col('restarts') && inner - used() - 5 - gap >= 24) fixed.push({ key: 'done', header: 'DONE', width: 4 });
  col('task')!.width = Math.max(4, inner - used());
  return fixed;
}

/** The table's header line: each column's title padded to its width (the last one not padded). */
export function agentHeader(cols: readonly Column[]): string {
  return cols.map((c, k) => (k === cols.length - 1 ? c.header : c.header.padEnd(c.width))).join(' ');
}

/** One agent's row as plain text, its cells padded to their columns. */
export function agentRowText(r: AgentRow, cols: readonly Column[], firstOfQuad: boolean): string {
  const cells = agentCells(r, cols, firstOfQuad);
  return cells.map((c, k) => (k === cells.length - 1 ? c : c.padEnd(cols[k]!.width))).join(' ');
}

export function taskCell(r: AgentRow): string {
  if (r.task) return `${r.task}${r.attempt && r.attempt > 1 ? `#${r.attempt}` : ''} ${r.title ?? ''}`.trimEnd();
  if (!r.focusTask) return '';
  // Idle: its last task, so a failed one can be found (and retried with r) at a glance.
  const mark = r.focusStatus === 'failed' ? '✖ failed' : r.focusStatus === 'done' ? '✔' : r.focusStatus ?? '';
  return `${r.focusTask} ${mark} ${r.focusTitle ?? ''}`.trimEnd();
}

/** The cells of one agent row, cut to the columns (first row of a quad shows its number). */
export function agentCells(r: AgentRow, cols: readonly Column[], firstOfQuad: boolean): string[] {
  return cols.map((c) => {
    switch (c.key) {
      case 'quad': return firstOfQuad ? fit(String(r.quad), c.width) : '';
      case 'agent': return fit(r.name, c.width);
      case 'state': return fit(r.ai && (r.state === 'running' || r.state === 'retrying' || r.ai.state.startsWith('paused')) ? r.ai.state : r.state, c.width).trimEnd();
      case 'tokens': return r.ai ? shortCount(r.ai.tokens) : '';
      case 'cost': return r.ai?.costUsd ? `$${r.ai.costUsd.toFixed(r.ai.costUsd < 10 ? 3 : 1)}` : '';
      case 'task': return fit(taskCell(r), c.width);
      case 'elapsed': return fit(dur(r.elapsedMs), c.width);
      case 'restarts': return String(r.restarts);
      case 'done': return String(r.done);
    }
  });
}

export function alertLine(a: Alert): string {
  return `${new Date(a.at).toISOString().slice(11, 19)} ${a.level.toUpperCase()} ${a.kind}: ${a.message}`;
}

/** A text progress bar: [█████░░░░░] */
export function bar(percent: number, width: number): string {
  return textBar(percent / 100, Math.max(1, width - 2));
}

/** orchestrator.log lines carry a full ISO date; on screen the time of day is enough. */
export function shortLogLine(line: string): string {
  return line.replace(/^\d{4}-\d\d-\d\dT(\d\d:\d\d:\d\d)\.\d+Z /, '$1 ');
}
