/**
 * The quad pane's live view of a worker group (a GroupView): its agents in a grid, redrawn —
 * at most every `throttleMs` — when something happens, every second for the clocks, and on
 * resize. Plain ANSI: every line is written at its own row (no scrolling, no alternate
 * screen), so the last picture stays in the pane after the group exits.
 */
import type { TaskDef } from '../../orchestrator/core/plan/plan-types.js';
import type { GroupView } from '../../workers/view.js';
import { headerText, renderGrid, type AgentCell, type Line, type Tone } from './quad-grid.js';

const TONES: Record<Tone, string> = {
  header: '\x1b[1m', idle: '\x1b[2m', running: '\x1b[1;32m', retrying: '\x1b[1;33m', done: '\x1b[34m',
  stopped: '\x1b[2m', failed: '\x1b[31m', text: '', dim: '\x1b[2m', rule: '\x1b[2m',
};

export function toAnsi(line: Line): string {
  return line.map((s) => (TONES[s.tone] ? `${TONES[s.tone]}${s.text}\x1b[0m` : s.text)).join('');
}

export interface QuadViewOptions {
  throttleMs?: number;
  /** Output lines kept per agent. */
  keepLines?: number;
  now?: () => number;
}

export class QuadView implements GroupView {
  private cells = new Map<string, AgentCell>();
  private quad = 0;
  private startedAt = Date.now();
  private footer = '';
  private timer?: NodeJS.Timeout;
  private ticker?: NodeJS.Timeout;
  private lastDraw = 0;
  private closed = false;
  private readonly throttleMs: number;
  private readonly keep: number;
  private readonly now: () => number;
  private readonly onResize = () => this.draw(true);

  constructor(private out: NodeJS.WriteStream = process.stdout, o: QuadViewOptions = {}) {
    this.throttleMs = o.throttleMs ?? 150;
    this.keep = o.keepLines ?? 12;
    this.now = o.now ?? Date.now;
  }

  groupStarted(quad: number, agents: readonly string[]): void {
    this.quad = quad;
    this.startedAt = this.now();
    for (const name of agents) this.cells.set(name, { name, phase: 'idle', attempt: 0, since: this.startedAt, done: 0, failed: 0, lines: [] });
    this.footer = `pid ${process.pid} · ${agents.length} agents`;
    this.out.on('resize', this.onResize);
    this.ticker = setInterval(() => this.draw(), 1000);
    this.ticker.unref();
    this.write('\x1b[?25l\x1b[2J');
    this.draw(true);
  }

  agentStarted(agent: string, task: TaskDef, attempt: number): void {
    const c = this.cell(agent);
    Object.assign(c, { phase: attempt > 1 ? 'retrying' : 'running', task: { id: task.id, title: task.title }, attempt, since: this.now(), lines: [], agent: task.agent ? task.agent.cli : undefined });
    this.soon();
  }

  agentProgress(agent: string, summary: string): void {
    this.cell(agent).agent = summary;
    this.soon();
  }

  agentOutput(agent: string, line: string): void {
    const c = this.cell(agent);
    if (!line.trim()) return;
    c.lines.push(line);
    if (c.lines.length > this.keep) c.lines.shift();
    this.soon();
  }

  agentFinished(agent: string, task: TaskDef, ok: boolean, reason?: string): void {
    const c = this.cell(agent);
    if (ok) c.done++;
    else c.failed++;
    Object.assign(c, { phase: 'idle', task: undefined, agent: undefined, since: this.now(), last: { text: `${task.id} ${ok ? '✔' : `✖ ${reason ?? 'failed'}`}`, ok } });
    this.soon();
  }

  log(message: string): void {
    this.footer = message;
    this.soon();
  }

  groupStopped(why: string): void {
    for (const c of this.cells.values()) {
      c.phase = why === 'finished' ? 'done' : 'stopped';
      c.task = undefined;
    }
    this.footer = `group ${why} · ${this.cells.size} agents · ${[...this.cells.values()].reduce((a, c) => a + c.done, 0)} tasks done`;
    // The last picture one row down: tmux scrolls a dead pane by one line to print "Pane is
    // dead" at the bottom, which then leaves the whole picture, header included, in view.
    const w = this.out.columns || 80;
    const h = this.out.rows || 24;
    const lines = this.frame(w, Math.max(1, h - 1));
    this.write(`\x1b[1;1H${' '.repeat(w)}` + lines.map((l, i) => `\x1b[${i + 2};1H${toAnsi(l)}`).join(''));
    this.close();
  }

  /** Stops redrawing and gives the cursor back (the last picture stays). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    clearInterval(this.ticker);
    this.out.off('resize', this.onResize);
    this.write(`\x1b[${this.out.rows || 24};1H\x1b[?25h`);
  }

  /** The current picture as plain text lines (tests, and the final frame). */
  frame(width = this.out.columns || 80, height = this.out.rows || 24): Line[] {
    const cells = [...this.cells.values()];
    const now = this.now();
    return renderGrid(cells, width, height, headerText(this.quad, cells, now, this.startedAt), this.footer, now);
  }

  private cell(agent: string): AgentCell {
    let c = this.cells.get(agent);
    if (!c) {
      c = { name: agent, phase: 'idle', attempt: 0, since: this.now(), done: 0, failed: 0, lines: [] };
      this.cells.set(agent, c);
    }
    return c;
  }

  /** Redraw soon: at most one frame per throttle period. */
  private soon(): void {
    if (this.timer || this.closed) return;
    const wait = Math.max(0, this.lastDraw + this.throttleMs - this.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.draw();
    }, wait);
  }

  private draw(force = false): void {
    if (this.closed) return;
    if (!force && this.timer) return;
    this.lastDraw = this.now();
    const lines = this.frame();
    // Every line is padded to the full width: no erase needed (an erase at the last column
    // would eat the last character in a pending-wrap state).
    this.write(lines.map((l, i) => `\x1b[${i + 1};1H${toAnsi(l)}`).join(''));
  }

  private write(s: string): void {
    try {
      this.out.write(s);
    } catch {
      // The terminal went away (pane killed): the group's shutdown must not fail on it.
    }
  }
}
