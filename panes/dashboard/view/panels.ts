/**
 * The dashboard's widgets: created from a Layout inside one container box (rebuilt on resize,
 * since contrib canvases size themselves once), and painted from the view model. Widgets are
 * placed on exact cells — contrib.grid's percentages are floored by blessed and lose a line or
 * a column about one time in eight, which cuts table rows and agent names.
 */
import blessed from 'blessed';
import type { Widgets } from 'blessed';
import { contrib, type BarWidget, type GaugeWidget, type LineSeries, type LineWidget, type TableWidget } from './contrib.js';
import { LEGEND, MARK_LEGEND, renderGantt } from './gantt-text.js';
import { tableInner, type Layout, type PanelName, type Placement } from '../model/layout.js';
import type { MetricsSample } from '../source/process-metrics.js';
import type { AgentRow, DashboardModel } from '../model/view-model.js';
import { fit } from '../../../orchestrator/core/text/fit.js';
import { agentCells, agentColumns, agentHeader, alertLine, shortLogLine, type Column } from './view-text.js';
import { shortCount } from '../../../orchestrator/core/agents/attempt.js';

const BORDER = { type: 'line' as const };
const STYLE = { border: { fg: 'cyan' }, label: { fg: 'white', bold: true } };
const STATE_COLOUR: Record<AgentRow['state'], number | undefined> = { idle: undefined, running: 32, retrying: 33, dead: 31, restarting: 35 };
const ansi = (code: number | undefined, s: string) => (code ? `\x1b[${code}m${s}\x1b[39m` : s);

export interface Panels {
  layout: Layout;
  container: Widgets.BoxElement;
  has(name: PanelName): boolean;
  table: TableWidget;
  columns: Column[];
  gauge?: GaugeWidget;
  counts?: Widgets.BoxElement;
  quads?: BarWidget;
  timeline?: Widgets.BoxElement;
  charts: Partial<Record<'cpu' | 'mem' | 'gpu', LineWidget>>;
  detail?: Widgets.BoxElement;
  log?: Widgets.BoxElement;
  destroy(): void;
}

export function buildPanels(screen: Widgets.Screen, layout: Layout, longestName: number, agentTasks = false): Panels {
  const container = blessed.box({ parent: screen, top: 0, left: 0, width: layout.cols, height: layout.rows });
  // wrap: false — blessed miscounts tagged text after a run of spaces and wraps a full line.
  const at = (p: Placement) => ({ top: p.row, left: p.col, width: p.colSpan, height: p.rowSpan, border: BORDER, style: STYLE, wrap: false });
  const find = (name: PanelName) => layout.panels.find((p) => p.name === name);
  const make = <T extends Widgets.BoxElement>(name: PanelName, factory: (o: Record<string, unknown>) => T, opts: Record<string, unknown>): T | undefined => {
    const p = find(name);
    if (!p) return undefined;
    const w = factory({ ...at(p), ...opts });
    container.append(w); // canvases size themselves on attach: append before any setData
    return w;
  };
  const box = (o: Record<string, unknown>) => blessed.box(o);
  const tableP = find('table')!;
  const inner = tableInner(tableP);
  const table = make('table', contrib.table, {
    label: ' Agents ', keys: false, interactive: true, columnSpacing: 0, columnWidth: [inner + 1],
    fg: 'white', selectedFg: 'black', selectedBg: 'cyan',
  })!;
  const lineOpts = (label: string, maxY?: number) => ({ label, maxY, showLegend: false, wholeNumbersOnly: false, xLabelPadding: 3, xPadding: 5, numYLabels: 3, style: { line: 'yellow', text: 'white', baseline: 'white', border: { fg: 'cyan' } } });
  const charts: Panels['charts'] = {};
  for (const name of ['cpu', 'mem', 'gpu'] as const) {
    // Percent scales are fixed (an idle run would otherwise divide by a zero maximum).
    const c = make(name, contrib.line, lineOpts(` ${name.toUpperCase()} `, name === 'mem' ? undefined : 100));
    if (c) charts[name] = c;
  }
  const panels: Panels = {
    layout,
    container,
    has: (name) => !!find(name),
    table,
    columns: agentColumns(inner, longestName, 1, agentTasks),
    gauge: make('gauge', contrib.gauge, { label: ' Progress ', stroke: 'green', fill: 'white' }),
    counts: make('counts', box, { label: ' Tasks ', tags: true }),
    quads: make('quads', contrib.bar, { label: ' Done per quad ', barWidth: 6, barSpacing: 10, xOffset: 2, maxHeight: 1, barBgColor: 'green' }),
    timeline: make('timeline', box, { label: ` Timeline  ${LEGEND} `, tags: true }),
    charts,
    detail: make('detail', box, { label: ' Selected ', tags: false }),
    log: make('log', box, { label: ' Alerts & orchestrator.log ', tags: true }),
    destroy: () => container.destroy(),
  };
  return panels;
}

export interface PaintInput {
  model: DashboardModel;
  selected: number;
  /** Last lines of orchestrator.log. */
  log: string[];
  /** Lines from whoever embeds the dashboard (e.g. keep-alive actions), newest last. */
  notes: string[];
  /** The selected agent's task output. */
  detail: string[];
}

const innerH = (w: Widgets.BoxElement) => Math.max(0, (w.height as number) - 2);
const innerW = (w: Widgets.BoxElement) => Math.max(0, (w.width as number) - 2);
const esc = (s: string) => blessed.escape(s);

/** Agent rows the table shows at once (its inside less the header and the line under it). */
export function tableRows(p: Panels): number {
  return Math.max(0, innerH(p.table) - 2);
}

export function agentLines(p: Panels, rows: AgentRow[]): string[] {
  return rows.map((r, i) => {
    const cells = agentCells(r, p.columns, i === 0 || rows[i - 1]!.quad !== r.quad);
    return cells.map((c, k) => {
      const col = p.columns[k]!;
      const padded = k === cells.length - 1 ? c : c.padEnd(col.width);
      if (col.key === 'state') return ansi(r.ai && /needs input|stalled|paused/.test(c) ? 33 : STATE_COLOUR[r.state], padded);
      if (col.key === 'task' && !r.task && c) return ansi(r.focusStatus === 'failed' ? 31 : 90, padded);
      return padded;
    }).join(' ');
  });
}

export function paintPanels(p: Panels, i: PaintInput, cache: Map<string, string>): void {
  const m = i.model;
  // Canvases redraw from scratch: only when their data changed.
  const changed = (key: string, value: unknown) => {
    const v = JSON.stringify(value);
    if (cache.get(key) === v) return false;
    cache.set(key, v);
    return true;
  };
  const header = agentHeader(p.columns);
  p.table.setData({ headers: [header], data: agentLines(p, m.rows).map((l) => [l]) });
  p.table.setContent(` ${header}`); // contrib draws the header one column left of the rows
  p.table.rows.select(Math.max(0, Math.min(i.selected, m.rows.length - 1)));
  if (p.gauge) {
    p.gauge.setLabel(` Progress ${m.progress.done}/${m.progress.total} `);
    if (changed('gauge', m.progress.percent)) p.gauge.setPercent(m.progress.percent / 100);
  }
  const quadText = m.quads.map((q) => `Q${q.id} ${q.done}`).join(' · ');
  if (p.counts) {
    const c = m.progress.counts;
    const lines = [
      `{green-fg}${c.done} done{/} · {cyan-fg}${c.running} running{/} · ${c.ready} ready`,
      `${c.pending} pending · ${c.failed ? `{red-fg}${c.failed} failed{/}` : '0 failed'} · ${c.blocked ? `{yellow-fg}${c.blocked} blocked{/}` : '0 blocked'}`,
    ];
    if (!p.quads) lines.push(`done per quad: ${quadText}`);
    if (m.status.paused) lines.push('{yellow-fg}PAUSED: no new claims (p resumes){/}');
    for (const pause of m.agentPauses) lines.push(`{yellow-fg}${esc(pause)}{/}`);
    if (m.agentUsage) lines.push(`agents: ${shortCount(m.agentUsage.tokens)} tokens${m.agentUsage.costUsd ? ` · $${m.agentUsage.costUsd.toFixed(2)}` : ''}`);
    p.counts.setContent(lines.slice(0, Math.max(1, innerH(p.counts))).join('\n'));
  }
  if (p.quads && changed('quads', m.quads.map((q) => q.done))) {
    p.quads.setData({ titles: m.quads.map((q) => `Q${q.id}`), data: m.quads.map((q) => q.done) });
  }
  if (p.timeline) {
    const nameWidth = Math.min(21, Math.max(...m.rows.map((r) => r.name.length)), Math.floor(innerW(p.timeline) / 3));
    p.timeline.setContent(renderGantt(m.timeline, { width: innerW(p.timeline), nameWidth, tags: true }).join('\n'));
    // Worktree mode's marks are explained once there are any.
    if (m.timeline.rows.some((r) => r.bars.some((b) => b.mark))) p.timeline.setLabel(` Timeline  ${LEGEND}  ${MARK_LEGEND} `);
  }
  if (p.detail) p.detail.setContent(i.detail.slice(0, innerH(p.detail)).map((l) => fit(l, innerW(p.detail!))).join('\n'));
  if (p.log) p.log.setContent(logContent(m, i, innerH(p.log), innerW(p.log)));
}

function logContent(m: DashboardModel, i: PaintInput, h: number, w: number): string {
  const alerts = m.alerts.slice(-Math.min(3, Math.floor(h / 2))).map((a) => `{${a.level === 'critical' ? 'red' : 'yellow'}-fg}${esc(fit(`⚠ ${alertLine(a)}`, w))}{/}`);
  const notes = i.notes.slice(-Math.min(3, Math.floor(h / 3))).map((n) => `{magenta-fg}${esc(fit(n, w))}{/}`);
  const room = Math.max(0, h - alerts.length - notes.length);
  const log = room ? i.log.slice(-room).map((l) => esc(fit(shortLogLine(l), w))) : [];
  return [...alerts, ...notes, ...log].join('\n');
}

const gib = (b: number) => (b >= 1 << 30 ? `${(b / (1 << 30)).toFixed(1)}G` : `${Math.round(b / (1 << 20))}M`);

/** Line charts from the sampler's history (machine in yellow, the run in cyan). */
export function paintCharts(p: Panels, history: readonly MetricsSample[]): void {
  if (!history.length) return;
  const last = history[history.length - 1]!;
  const x = history.map((s) => `${Math.round((s.at - last.at) / 1000)}`);
  const series = (title: string, y: number[], line: string): LineSeries => ({ title, x, y, style: { line } });
  const set = (c: LineWidget | undefined, label: string, data: LineSeries[]) => {
    if (!c) return;
    c.setLabel(label);
    c.setData(data);
  };
  set(p.charts.cpu, ` CPU ${Math.round(last.machineCpu)}% · run ${Math.round(last.runCpu)}% `, [
    series('machine', history.map((s) => s.machineCpu), 'yellow'),
    series('run', history.map((s) => s.runCpu), 'cyan'),
  ]);
  const pct = (b: number) => (100 * b) / Math.max(1, last.machineMemTotal);
  set(p.charts.mem, ` MEM ${gib(last.machineMemUsed)} · run ${gib(last.runMem)} `, [
    series('machine', history.map((s) => pct(s.machineMemUsed)), 'yellow'),
    series('run', history.map((s) => pct(s.runMem)), 'cyan'),
  ]);
  if (p.charts.gpu) {
    const g = last.gpu;
    set(p.charts.gpu, ` GPU ${g ? `${Math.round(g.utilization)}% · ${gib(g.memUsedMiB * (1 << 20))}` : 'n/a'} `, [
      series('util', history.map((s) => s.gpu?.utilization ?? 0), 'yellow'),
      series('mem', history.map((s) => (s.gpu ? (100 * s.gpu.memUsedMiB) / Math.max(1, s.gpu.memTotalMiB) : 0)), 'cyan'),
    ]);
  }
}
