/**
 * The timeline drawn as text, one line per agent plus a time axis: fill characters say the
 * outcome (readable in a plain capture), colours repeat it, and bars on the critical path
 * carry a `*` before the task id. With `tags`, the lines use blessed colour tags. Pure.
 */
import { formatDuration } from '../../../orchestrator/core/text/duration.js';
import type { BarMark, BarStatus, Timeline } from '../model/timeline.js';
import { fit } from '../../../orchestrator/core/text/fit.js';

export const FILL: Record<BarStatus, string> = { done: '█', running: '▓', failed: '░', lost: '·' };
const COLOUR: Record<BarStatus, string> = { done: 'green', running: 'cyan', failed: 'red', lost: 'gray' };
export const LEGEND = `${FILL.done} done ${FILL.running} running ${FILL.failed} failed ${FILL.lost} lost  * critical path`;
/** Worktree mode: the last cell of an attempt whose work was merged, or whose merge conflicted. */
export const MARK: Record<BarMark, { ch: string; style: string }> = { merged: { ch: '⑃', style: 'magenta-fg,bold' }, conflict: { ch: '✕', style: 'yellow-fg,bold' } };
export const MARK_LEGEND = `${MARK.merged.ch} merged ${MARK.conflict.ch} conflict`;

interface Cell {
  ch: string;
  style: string;
}

const escapeTags = (s: string) => s.replace(/[{}]/g, (c) => (c === '{' ? '{open}' : '{close}'));

function paint(cells: Cell[], tags: boolean): string {
  if (!tags) return cells.map((c) => c.ch).join('');
  let out = '';
  let i = 0;
  while (i < cells.length) {
    const style = cells[i]!.style;
    let run = '';
    for (; i < cells.length && cells[i]!.style === style; i++) run += cells[i]!.ch;
    // style: comma-separated blessed tags; `{/}` closes them all.
    out += style ? `${style.split(',').map((t) => `{${t}}`).join('')}${escapeTags(run)}{/}` : escapeTags(run);
  }
  return out;
}

export interface GanttOptions {
  width: number;
  /** Width of the agent-name column (names are cut to it). */
  nameWidth: number;
  tags?: boolean;
}

/** The axis: 0 at the left, the span's end at the right, the middle between when it fits. */
export function axisLine(spanMs: number, width: number): string {
  const line = Array<string>(width).fill('─');
  const put = (at: number, text: string) => {
    for (let k = 0; k < text.length && at + k < width; k++) if (at + k >= 0) line[at + k] = text[k]!;
  };
  const end = formatDuration(spanMs);
  put(0, '0s');
  if (width >= 24) put(Math.floor(width / 2 - 3), formatDuration(spanMs / 2));
  if (width >= 8) put(width - end.length, end);
  return line.join('');
}

export function renderGantt(tl: Timeline, o: GanttOptions): string[] {
  const w = Math.max(1, o.width - o.nameWidth - 1);
  const span = Math.max(1, tl.end - tl.start);
  const col = (t: number) => Math.min(w - 1, Math.max(0, Math.floor(((t - tl.start) / span) * w)));
  const lines = tl.rows.map((row) => {
    const cells: Cell[] = Array.from({ length: w }, () => ({ ch: ' ', style: '' }));
    for (const b of row.bars) {
      const from = col(b.start);
      const to = Math.max(from + 1, Math.min(w, Math.ceil(((b.end - tl.start) / span) * w)));
      const style = `${COLOUR[b.status]}-fg${b.critical ? ',bold' : ''}`;
      for (let k = from; k < to; k++) cells[k] = { ch: FILL[b.status], style };
      const label = `${b.critical ? '*' : ''}${b.task}`;
      const len = to - from;
      const text = len >= label.length ? label : b.critical && len >= 1 ? '*' : '';
      for (let k = 0; k < text.length; k++) cells[from + k] = { ch: text[k]!, style: `black-fg,${COLOUR[b.status]}-bg` };
      if (b.mark) cells[to - 1] = MARK[b.mark];
    }
    const name = fit(row.agent, o.nameWidth).padEnd(o.nameWidth);
    return `${o.tags ? escapeTags(name) : name}│${paint(cells, !!o.tags)}`;
  });
  lines.push(`${' '.repeat(o.nameWidth)}└${axisLine(span, w)}`);
  return lines;
}
