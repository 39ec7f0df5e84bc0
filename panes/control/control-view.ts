/**
 * What the control pane shows. `ControlView` is the plug: the plain live status view below
 * now, the blessed dashboard (panes/dashboard/) later. The plain view redraws the whole pane
 * on a TTY (progress, groups, agents, alerts, recent events — fitted to its height) and
 * prints progress and event lines when not a TTY.
 */
import { formatDuration } from '../../orchestrator/core/text/duration.js';
import type { Plan } from '../../orchestrator/core/plan/plan-types.js';
import { agentTable, counts, countsLine } from '../../orchestrator/core/text/report.js';
import type { State } from '../../state/schema.js';
import { progressText, textBar } from '../../orchestrator/core/text/progress-line.js';
import { fitPadded } from '../../orchestrator/core/text/fit.js';
import { shortName } from '../quad/quad-grid.js';

export interface ControlView {
  /**
   * The state changed (or the clock ticked). `recent`: the latest event lines, oldest first;
   * `fresh`: those not passed before.
   */
  update(s: State, recent: readonly string[], fresh: readonly string[]): void;
  /** A line from the control process itself (keep-alive actions). */
  note(line: string): void;
  /** The run is over: show the summary and keep it on screen. */
  summary(s: State, lines: readonly string[]): void;
  close(): void;
}

function groupsLine(s: State, now: number): string {
  const gs = Object.values(s.groups).sort((a, b) => a.quad - b.quad);
  return 'groups: ' + gs.map((g) => `q${g.quad} ${g.status}${g.heartbeatAt && g.status === 'running' ? ` ${formatDuration(now - g.heartbeatAt)}` : ''}${g.restarts ? ` ↻${g.restarts}` : ''}`).join(' · ');
}

/** Narrow panes (the control pane of an 80-column terminal is ~40 wide) get compact lines. */
export const NARROW = 70;

const MARK: Record<string, string> = { idle: '○', running: '●', retrying: '↻', done: '✔', dead: '✖', restarting: '↻' };

function progressLines(s: State, width: number, now: number): string[] {
  if (width >= NARROW) return [progressText(s, width + 1, now)];
  const c = counts(s);
  const total = Object.keys(s.tasks).length || 1;
  const label = ` ${c.done}/${total} done`;
  const barW = Math.max(5, width - label.length - 2);
  const extra = [c.failed ? `${c.failed} failed` : '', c.blocked ? `${c.blocked} blocked` : ''].filter(Boolean).join(' · ');
  return [`${textBar(c.done / total, barW)}${label}`, `${c.running} running · ${c.ready} ready${extra ? ` · ${extra}` : ''} · ${formatDuration((s.meta.finishedAt ?? now) - s.meta.startedAt)}`];
}

/** One line per agent: the full table when wide, `q1 ● Voice-Synthesis T004` when narrow. */
export function agentLines(s: State, width: number): string[] {
  if (width >= NARROW) return agentTable(s);
  const nameW = Math.max(6, Math.min(16, width - 12));
  return Object.values(s.agents).map((a) => `${a.quad} ${MARK[a.status] ?? '?'} ${shortName(a.name, nameW).padEnd(nameW)} ${a.task ?? (a.status === 'idle' ? '' : a.status)}`);
}

/** The status screen as plain lines for a width × height pane (pure). */
export function statusLines(s: State, plan: Plan, recent: readonly string[], notes: readonly string[], width: number, height: number, now = Date.now()): string[] {
  const head = [`${plan.name} · ${s.meta.status}${s.meta.paused ? ' (paused)' : ''}`, ...progressLines(s, width, now), groupsLine(s, now)];
  const alerts = s.alerts.slice(-2).map((a) => `! ${new Date(a.at).toISOString().slice(11, 19)} ${a.kind}: ${a.message}`);
  const table = agentLines(s, width);
  const headerRows = width >= NARROW ? 2 : 0;
  const budget = height - head.length - alerts.length - notes.slice(-1).length - 1;
  // Tall panes get every agent; short ones the busy agents first.
  let agents = table;
  if (table.length + 3 > budget) {
    const rows = table.slice(headerRows);
    const busy = rows.filter((r) => /running|retrying|restarting|●|↻/.test(r));
    agents = [...table.slice(0, headerRows ? 1 : 0), ...busy, ...rows.filter((r) => !busy.includes(r))].slice(0, Math.max(1, Math.floor(budget * 0.6)));
  }
  const room = Math.max(0, budget - agents.length);
  const events = room > 1 ? ['recent:', ...recent.slice(-(room - 1)).map((l) => (width < NARROW ? l.slice(6) : l))] : [];
  const lines = [...head, ...alerts, '', ...agents, ...events, ...notes.slice(-1)];
  return lines.slice(0, height).map((l) => fitPadded(l, width));
}

/** After the run: progress, counts, the task table (compact when narrow) and the summary's closing lines. */
export function summaryLines(s: State, summary: readonly string[], width: number, height: number, now = Date.now()): string[] {
  const tasks = width >= NARROW ? summary : [
    ...Object.values(s.tasks).map((t) => `${t.id} ${t.status.padEnd(7)} ${shortName(t.agent ?? '', 14).padEnd(14)} ${t.durationMs !== undefined ? formatDuration(t.durationMs) : ''}`),
    '', ...summary.slice(-3),
  ];
  const lines = [...progressLines(s, width, now), `run ${s.meta.status}: ${countsLine(s)}`, '', ...tasks];
  return lines.slice(0, height).map((l) => fitPadded(l, width));
}

/** The plain live status view (until the dashboard is plugged in). */
export class PlainStatusView implements ControlView {
  private notes: string[] = [];
  private last?: { s: State; recent: readonly string[] };
  private done?: readonly string[];
  private lastProgress = '';
  private readonly onResize = () => this.redraw();

  constructor(private plan: Plan, private out: NodeJS.WriteStream = process.stdout) {
    if (this.tty) {
      this.write('\x1b[?25l\x1b[2J');
      out.on('resize', this.onResize);
    }
  }

  private get tty(): boolean {
    return !!this.out.isTTY;
  }

  update(s: State, recent: readonly string[], fresh: readonly string[]): void {
    this.last = { s, recent };
    if (this.tty) return this.redraw();
    // Not a terminal: new event lines and a progress line when the counts change.
    for (const l of fresh) this.write(l + '\n');
    const p = progressText(s, 100).replace(/ · [^·]*$/, '');
    if (p !== this.lastProgress) this.write(`${(this.lastProgress = p)}\n`);
  }

  note(line: string): void {
    this.notes.push(`${new Date().toISOString().slice(11, 19)} ${line}`);
    if (this.notes.length > 20) this.notes.shift();
    if (this.tty) this.redraw();
    else this.write(line + '\n');
  }

  summary(s: State, lines: readonly string[]): void {
    this.last = { s, recent: this.last?.recent ?? [] };
    this.done = lines;
    if (this.tty) this.redraw();
    else this.write(lines.join('\n') + '\n');
  }

  close(): void {
    this.out.off('resize', this.onResize);
    if (this.tty) this.write(`\x1b[${this.out.rows || 24};1H\x1b[?25h`);
  }

  private redraw(): void {
    if (!this.last) return;
    const w = this.out.columns || 80;
    const h = this.out.rows || 24;
    const lines = this.done ? summaryLines(this.last.s, this.done, w, h) : statusLines(this.last.s, this.plan, this.last.recent, this.notes, w, h);
    while (lines.length < h) lines.push(' '.repeat(w));
    this.write(lines.map((l, i) => `\x1b[${i + 1};1H${l}`).join(''));
  }

  private write(s: string): void {
    try {
      this.out.write(s);
    } catch {
      /* the pane went away */
    }
  }
}
