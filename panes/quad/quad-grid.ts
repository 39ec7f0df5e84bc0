/**
 * The quad pane's picture as a pure function: a group's agents in a grid (2×2 for four) —
 * each cell the agent's name, state, current task and its last output lines — fitted to any
 * pane size. Text and tones only; panes/quad/quad-view.ts turns them into terminal output.
 */
import { formatElapsed } from '../../orchestrator/core/text/duration.js';
import { fitPadded } from '../../orchestrator/core/text/fit.js';

export type AgentPhase = 'idle' | 'running' | 'retrying' | 'done' | 'stopped';
export type Tone = 'header' | 'idle' | 'running' | 'retrying' | 'done' | 'stopped' | 'failed' | 'text' | 'dim' | 'rule';

export interface AgentCell {
  name: string;
  phase: AgentPhase;
  task?: { id: string; title: string };
  attempt: number;
  since: number;
  done: number;
  failed: number;
  /** What the agent's last task ended with, e.g. `T001 ✔`. */
  last?: { text: string; ok: boolean };
  /** An AI agent's running summary: CLI, turns, tokens (`claude · 4 turns · 12.3k tok`). */
  agent?: string;
  lines: string[];
}

/** One screen line: segments of text with their tone; the visible width is exactly the line's width. */
export type Line = Array<{ text: string; tone: Tone }>;

const chars = (s: string) => [...s];


/**
 * An agent name for `width` columns that stays recognisable: the whole name; else without
 * its "-Agent" suffix (Voice-Synthesis-Agent → Voice-Synthesis); else cut with an ellipsis.
 */
export function shortName(name: string, width: number): string {
  if (chars(name).length <= width) return name;
  const bare = name.replace(/[-_ ]?agent$/i, '') || name;
  if (chars(bare).length <= width) return bare;
  return fitPadded(bare, width);
}


/** Columns × rows for n cells in a body of width × height, preferring cells of about 20×4 or more. */
export function gridShape(n: number, width: number, height: number): { cols: number; rows: number } {
  if (n <= 1) return { cols: 1, rows: 1 };
  let best = { cols: 1, rows: n, score: -1, empty: 0 };
  for (let cols = 1; cols <= n; cols++) {
    const rows = Math.ceil(n / cols);
    const cw = (width - (cols - 1)) / cols;
    const ch = (height - (rows - 1)) / rows;
    const score = Math.min(cw / 20, ch / 4);
    const empty = cols * rows - n;
    if (score > best.score + 1e-9 || (Math.abs(score - best.score) < 1e-9 && empty < best.empty)) best = { cols, rows, score, empty };
  }
  return { cols: best.cols, rows: best.rows };
}

const MARK: Record<AgentPhase, string> = { idle: '○', running: '●', retrying: '↻', done: '✔', stopped: '■' };

function stateText(c: AgentCell, now: number): string {
  switch (c.phase) {
    case 'running': return `running ${formatElapsed(now - c.since)}`;
    case 'retrying': return `retry #${c.attempt} ${formatElapsed(now - c.since)}`;
    case 'idle': return `idle · ${c.done} done${c.failed ? ` · ${c.failed} failed` : ''}`;
    case 'done': return `done · ${c.done} task${c.done === 1 ? '' : 's'}${c.failed ? ` · ${c.failed} failed` : ''}`;
    case 'stopped': return `stopped · ${c.done} done`;
  }
}

/** Exactly `h` lines of exactly `w` columns for one agent. */
export function cellLines(c: AgentCell, w: number, h: number, now: number): Line[] {
  const tone: Tone = c.phase === 'retrying' ? 'retrying' : c.phase;
  const name = (room: number) => `${MARK[c.phase]} ${shortName(c.name, room - 2)}`;
  const out: Line[] = [];
  if (h <= 2) {
    const n = name(Math.max(4, Math.ceil(w * 0.6)));
    out.push([{ text: fitPadded(`${n} ${stateText(c, now)}`, w), tone }]);
  } else {
    out.push([{ text: fitPadded(name(w), w), tone }]);
    out.push([{ text: fitPadded(stateText(c, now), w), tone: c.phase === 'idle' ? 'dim' : tone }]);
  }
  if (c.task && (c.phase === 'running' || c.phase === 'retrying')) {
    out.push([{ text: fitPadded(`${c.task.id} ${c.task.title}`, w), tone: 'text' }]);
    if (c.agent && h > 4) out.push([{ text: fitPadded(c.agent, w), tone: 'text' }]);
  } else if (c.last) out.push([{ text: fitPadded(`last ${c.last.text}`, w), tone: c.last.ok ? 'dim' : 'failed' }]);
  else out.push([{ text: fitPadded('', w), tone: 'dim' }]);
  const room = Math.max(0, h - out.length);
  const tail = room ? c.lines.slice(-room) : [];
  for (const l of tail) out.push([{ text: fitPadded(`${l}`, w), tone: 'dim' }]);
  while (out.length < h) out.push([{ text: fitPadded('', w), tone: 'dim' }]);
  return out.slice(0, h);
}

export function headerText(quad: number, cells: readonly AgentCell[], now: number, startedAt: number): string {
  const count = (p: AgentPhase[]) => cells.filter((c) => p.includes(c.phase)).length;
  const done = cells.reduce((a, c) => a + c.done, 0);
  const failed = cells.reduce((a, c) => a + c.failed, 0);
  if (cells.length && cells.every((c) => c.phase === 'done' || c.phase === 'stopped')) {
    return `quad ${quad} · ${cells[0]!.phase === 'done' ? 'finished' : 'stopped'} · ${done} tasks done${failed ? ` · ${failed} failed` : ''} · ${formatElapsed(now - startedAt)}`;
  }
  return `quad ${quad} · ${count(['running', 'retrying'])} busy · ${count(['idle'])} idle · ${done} done${failed ? ` · ${failed} failed` : ''} · ${formatElapsed(now - startedAt)}`;
}

/**
 * The whole pane: a header line, the cells in a grid (│ between columns, ─ between rows when
 * there is room), and a footer line (the group's last message) when the pane is tall enough.
 */
export function renderGrid(cells: readonly AgentCell[], width: number, height: number, header: string, footer: string, now: number): Line[] {
  const w = Math.max(1, width);
  const lines: Line[] = [[{ text: fitPadded(header, w), tone: 'header' }]];
  const withFooter = height >= 10;
  const body = Math.max(1, height - 1 - (withFooter ? 1 : 0));
  const { cols, rows } = gridShape(cells.length, w, body);
  const rules = body - (rows - 1) >= rows * 3;
  const cw = Math.max(1, Math.floor((w - (cols - 1)) / cols));
  const ch = Math.max(1, Math.floor((body - (rules ? rows - 1 : 0)) / rows));
  const blank = (n: number): Line[] => Array.from({ length: n }, () => [{ text: ' '.repeat(cw), tone: 'dim' as Tone }]);
  for (let r = 0; r < rows; r++) {
    if (r > 0 && rules) lines.push([{ text: fitPadded(Array.from({ length: cols }, () => '─'.repeat(cw)).join('┼'), w), tone: 'rule' }]);
    const colCells = Array.from({ length: cols }, (_, c) => cells[r * cols + c]);
    const drawn = colCells.map((c) => (c ? cellLines(c, cw, ch, now) : blank(ch)));
    for (let i = 0; i < ch; i++) {
      const line: Line = [];
      drawn.forEach((d, c) => {
        if (c > 0) line.push({ text: '│', tone: 'rule' });
        line.push(...d[i]!);
      });
      const used = cols * cw + (cols - 1);
      if (used < w) line.push({ text: ' '.repeat(w - used), tone: 'dim' });
      lines.push(line);
    }
  }
  while (lines.length < height - (withFooter ? 1 : 0)) lines.push([{ text: ' '.repeat(w), tone: 'dim' }]);
  if (withFooter) lines.push([{ text: fitPadded(footer, w), tone: 'dim' }]);
  return lines.slice(0, height);
}
