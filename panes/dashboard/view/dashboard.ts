/**
 * The live dashboard: a blessed screen over a run directory. It reads the state lock-free
 * (store.read()) on every change the store's watch reports (file watch, polling fallback),
 * redraws at most five times a second, and takes the lock only for what a key does (retry,
 * pause). With no run yet it says so and polls until one appears; when the run directory is
 * replaced (a fresh run), it re-attaches.
 */
import { colourEnabled, stripColourSgr } from '../../../orchestrator/core/text/colour.js';
import blessed from 'blessed';
import type { Widgets } from 'blessed';
import { runPaths, type RunPaths } from '../../../orchestrator/run-dir/paths.js';
import { retryFromDashboard, togglePause } from '../source/actions.js';
import type { GpuProbeOptions } from '../source/gpu-probe.js';
import { planLayout } from '../model/layout.js';
import { LogTail } from '../source/log-tail.js';
import { buildPanels, paintCharts, paintPanels, tableRows, type Panels } from './panels.js';
import { showHelp, showTaskLog, type Popup } from './popups.js';
import { MetricsSampler, runRoots } from '../source/process-metrics.js';
import { RunSource } from '../source/run-source.js';
import { blessedTerminal, preferUnicodeLines } from './terminal.js';
import { buildViewModel, fitRows, type AgentRow, type DashboardModel } from '../model/view-model.js';
import type { State } from '../../../state/schema.js';
import { fit } from '../../../orchestrator/core/text/fit.js';
import { statusLine } from './view-text.js';

export interface DashboardOptions {
  runDir: string;
  input?: NodeJS.ReadableStream;
  output?: NodeJS.WritableStream;
  env?: NodeJS.ProcessEnv;
  /** nvidia-smi probe options; false: no GPU panel. */
  gpu?: GpuProbeOptions | false;
  /** Metrics sampling and clock tick (ms). */
  tickMs?: number;
  /** Polling fallback of the state watch (ms). */
  pollMs?: number;
  /** Called once when the user quits (q / C-c), after the screen is gone. */
  onQuit?: () => void;
}

const MIN_FRAME_MS = 200; // at most ~5 redraws a second
const KEYS_HINT = '? help  q quit';

export class Dashboard {
  readonly screen: Widgets.Screen;
  readonly paths: RunPaths;
  private status: Widgets.BoxElement;
  private waitBox: Widgets.BoxElement;
  private panels?: Panels;
  private source: RunSource;
  private model?: DashboardModel;
  private selected = 0;
  private popup?: Popup;
  private flash?: { text: string; until: number };
  private notes: string[] = [];
  private cache = new Map<string, string>();
  private logTail: LogTail;
  /** The selected agent's task log, reread only when it grows. */
  private taskTail?: { task: string; tail: LogTail };
  private sampler: MetricsSampler;
  private timers: NodeJS.Timeout[] = [];
  private drawTimer?: NodeJS.Timeout;
  private lastDraw = 0;
  private stopped = false;
  private attaching?: Promise<void>;
  private resolveDone!: () => void;
  readonly done = new Promise<void>((r) => (this.resolveDone = r));

  constructor(private o: DashboardOptions) {
    const env = o.env ?? process.env;
    this.paths = runPaths(o.runDir);
    this.logTail = new LogTail(this.paths.orchestratorLog);
    this.screen = blessed.screen({
      smartCSR: true, terminal: blessedTerminal(env.TERM), title: 'orchestrator dashboard', autoPadding: true,
      warnings: false, input: o.input as never, output: o.output as never, fullUnicode: false, dockBorders: false,
    });
    // A terminal that went away (EIO) must not turn the dashboard's exit into a crash.
    (this.screen.program.output as NodeJS.WritableStream).on('error', () => undefined);
    if (!colourEnabled({ isTTY: true, env })) withoutColour(this.screen.program.output as NodeJS.WriteStream);
    // xterm's title stack: the title blessed sets is taken back on quit (tmux ignores both).
    this.screen.program.output.write('\x1b[22;0t');
    const tput = (this.screen as unknown as { tput: { brokenACS: boolean } }).tput;
    if (preferUnicodeLines(env)) tput.brokenACS = true; // see terminal.ts
    this.status = blessed.box({ parent: this.screen, bottom: 0, left: 0, height: 1, width: '100%', wrap: false, style: { fg: 'black', bg: 'cyan' } });
    this.waitBox = blessed.box({
      parent: this.screen, top: 'center', left: 'center', width: '80%', height: 7, border: { type: 'line' },
      label: ' orchestrator dashboard ', style: { border: { fg: 'yellow' } }, content: '', hidden: true,
    });
    this.source = new RunSource(this.paths, () => this.schedule(), o.pollMs ?? 500);
    this.sampler = new MetricsSampler({ roots: () => runRoots(this.source.peek()), gpu: o.gpu });
    this.bindKeys();
    // A window being dragged sends a burst of resizes: rebuild once it settles.
    let resizeTimer: NodeJS.Timeout | undefined;
    this.screen.on('resize', () => {
      clearTimeout(resizeTimer);
      resizeTimer = setTimeout(() => this.rebuild(), 80);
    });
  }

  start(): this {
    void this.sampler.init().then(() => this.sampler.gpuPresent && this.rebuild());
    this.timers.push(setInterval(() => void this.tick(), this.o.tickMs ?? 1000));
    void this.attach();
    return this;
  }

  /** Adds a line to the log panel (e.g. keep-alive actions when embedded in the control pane). */
  note(line: string): void {
    this.notes.push(line);
    if (this.notes.length > 50) this.notes.shift();
    this.schedule();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    clearTimeout(this.drawTimer);
    this.source.detach();
    this.screen.destroy(); // leaves the alternate screen, shows the cursor, restores the tty mode
    try {
      this.screen.program.output.write('\x1b[23;0t');
    } catch {
      // the terminal is gone
    }
    this.resolveDone();
  }

  private async tick(): Promise<void> {
    if (!this.source.run) return this.attach();
    await this.sampler.sample();
    if (this.panels && !this.stopped) paintCharts(this.panels, this.sampler.history);
    this.schedule();
  }

  /** (Re)opens the run; concurrent calls share one attempt. */
  private attach(): Promise<void> {
    this.attaching ??= this.attachOnce().finally(() => (this.attaching = undefined));
    return this.attaching;
  }

  private async attachOnce(): Promise<void> {
    if (this.stopped) return;
    this.source.detach();
    const why = await this.source.attach();
    if (this.stopped) return;
    if (why || !this.source.run) return this.showWaiting(why ?? 'waiting…');
    this.selected = Math.min(this.selected, this.source.run.plan.agents.length - 1);
    this.waitBox.hide();
    this.rebuild();
  }

  private showWaiting(text: string): void {
    this.panels?.destroy();
    this.panels = undefined;
    this.waitBox.setContent(`\n ${text.split('\n').join('\n ')}`);
    this.waitBox.show();
    this.status.setContent(fit(` ${this.paths.runDir} · waiting for a run`, (this.screen.width as number) - 1));
    this.screen.render();
  }

  /** Rebuilds the panels for the current size (contrib canvases cannot be resized in place). */
  private rebuild(): void {
    const run = this.source.run;
    if (this.stopped || !run) return;
    this.panels?.destroy();
    this.cache.clear();
    const agents = run.plan.agents;
    const layout = planLayout({ width: this.screen.width as number, height: this.screen.height as number, agents: agents.length, gpu: !!this.sampler.gpuPresent });
    this.panels = buildPanels(this.screen, layout, Math.max(...agents.map((a) => a.name.length)), run.plan.tasks.some((t) => t.agent));
    this.popup?.box.setFront();
    this.draw();
    paintCharts(this.panels, this.sampler.history);
    this.screen.render();
  }

  /** Asks for a redraw; coalesces bursts to one frame per MIN_FRAME_MS. */
  private schedule(): void {
    if (this.drawTimer || this.stopped) return;
    const wait = Math.max(0, this.lastDraw + MIN_FRAME_MS - Date.now());
    this.drawTimer = setTimeout(() => {
      this.drawTimer = undefined;
      this.draw();
    }, wait);
  }

  private draw(): void {
    const run = this.source.run;
    if (this.stopped || !run || !this.panels) return;
    this.lastDraw = Date.now();
    const snap = this.source.snapshot();
    if ('error' in snap) {
      this.showWaiting(snap.error);
      return void this.attach();
    }
    const now = Date.now();
    const full = buildViewModel({ state: snap.state, plan: run.plan, events: snap.events, now, graph: run.ctx.graph });
    const m = { ...full, rows: fitRows(full.rows, tableRows(this.panels)) };
    // The selection follows its agent when a short table reorders its rows.
    const was = this.model?.rows[this.selected]?.name;
    this.model = m;
    const keep = was === undefined ? -1 : m.rows.findIndex((r) => r.name === was);
    this.selected = Math.max(0, Math.min(keep >= 0 ? keep : this.selected, m.rows.length - 1));
    const row = m.rows[this.selected];
    const detail = row ? this.detailLines(row, snap.state) : [];
    paintPanels(this.panels, { model: m, selected: this.selected, log: this.logTail.read(), notes: this.notes, detail }, this.cache);
    const width = (this.screen.width as number) - 1;
    const flash = this.flash && this.flash.until > now ? this.flash.text : undefined;
    this.status.setContent(flash ? fit(` ${flash}`, width) : ` ${statusLine(m, width - 1, KEYS_HINT)}`);
    this.screen.render();
  }

  private detailLines(row: AgentRow, s: State): string[] {
    const task = row.focusTask;
    if (!this.panels?.detail || !task) return [`${row.name}: no task yet`];
    const t = s.tasks[task];
    const h = Math.max(1, (this.panels.detail.height as number) - 3);
    if (this.taskTail?.task !== task) this.taskTail = { task, tail: new LogTail(this.paths.taskLog(task), 100, 16 * 1024) };
    return [`${row.name} · ${task} ${row.focusTitle ?? ''} · ${t?.status ?? '?'}${t && t.attempts > 1 ? ` (attempt ${t.attempts})` : ''}`, ...this.taskTail.tail.read().slice(-h)];
  }

  private say(text: string): void {
    this.flash = { text, until: Date.now() + 5000 };
    this.schedule();
  }

  private bindKeys(): void {
    const k = (keys: string[], fn: () => void) => this.screen.key(keys, () => {
      if (!this.stopped) fn();
    });
    k(['escape'], () => this.popup?.close());
    k(['q', 'C-c'], () => {
      if (this.popup) return this.popup.close();
      void this.stop().then(() => this.o.onQuit?.());
    });
    k(['up', 'k'], () => this.move(-1));
    k(['down', 'j'], () => this.move(1));
    k(['tab'], () => this.jumpQuad(1));
    k(['S-tab'], () => this.jumpQuad(-1));
    k(['?'], () => {
      if (this.popup) return this.popup.close();
      this.popup = showHelp(this.screen, () => (this.popup = undefined));
    });
    k(['l', 'enter'], () => {
      if (this.popup) return this.popup.close();
      const task = this.model?.rows[this.selected]?.focusTask;
      if (!task) return this.say('this agent has not run a task yet');
      this.popup = showTaskLog(this.screen, task, this.paths.taskLog(task), () => (this.popup = undefined));
    });
    k(['r'], () => {
      const run = this.source.run;
      if (this.popup || !run) return;
      const row = this.model?.rows[this.selected];
      void retryFromDashboard(run.store, run.ctx, row?.focusTask).then((msg) => this.say(msg));
    });
    k(['p'], () => {
      const run = this.source.run;
      if (this.popup || !run) return;
      void togglePause(run.store).then(
        (paused) => this.say(paused ? 'claiming paused: running tasks finish, nothing new starts (p resumes)' : 'claiming resumed'),
        (e: Error) => this.say(`pause failed: ${e.message}`),
      );
    });
  }

  private move(by: number): void {
    if (this.popup || !this.model) return;
    this.selected = Math.max(0, Math.min(this.model.rows.length - 1, this.selected + by));
    this.draw();
  }

  /** Tab: first agent of the next (or previous) quad, wrapping around. */
  private jumpQuad(dir: 1 | -1): void {
    const rows = this.model?.rows;
    if (this.popup || !rows?.length) return;
    const firsts = rows.map((r, i) => (i === 0 || rows[i - 1]!.quad !== r.quad ? i : -1)).filter((i) => i >= 0);
    const cur = firsts.filter((i) => i <= this.selected).length - 1;
    this.selected = firsts[(cur + dir + firsts.length) % firsts.length]!;
    this.draw();
  }
}

/** NO_COLOR: every write to the terminal loses its colours (blessed has no switch for it). */
function withoutColour(out: NodeJS.WriteStream): void {
  const write = out.write.bind(out) as (chunk: unknown, ...rest: unknown[]) => boolean;
  out.write = ((chunk: unknown, ...rest: unknown[]) => write(typeof chunk === 'string' ? stripColourSgr(chunk) : Buffer.isBuffer(chunk) ? stripColourSgr(chunk.toString('utf8')) : chunk, ...rest)) as typeof out.write;
}
