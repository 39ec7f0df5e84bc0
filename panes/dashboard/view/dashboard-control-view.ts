/**
 * The dashboard as the control pane's view (the ControlView plug of panes/control/control-view.ts):
 * `controlMain({ ..., view: (run) => new DashboardControlView(run.paths.runDir, run.plan) })`.
 * The dashboard follows the state by itself, so `update` has nothing to do; keep-alive actions
 * and the end-of-run summary become lines in its log panel. When the user quits it with q, the
 * control process goes on (keep-alive keeps watching) and the pane falls back to the plain view.
 * Without a terminal, it is the plain view from the start.
 */
import type { Plan } from '../../../orchestrator/core/plan/plan-types.js';
import type { State } from '../../../state/schema.js';
import { PlainStatusView, type ControlView } from '../../control/control-view.js';
import { runDashboard, type DashboardHandle } from './run-dashboard.js';

const stamp = () => new Date().toISOString().slice(11, 19);

export class DashboardControlView implements ControlView {
  private dashboard?: DashboardHandle;
  private plain?: PlainStatusView;
  private last?: { s: State; recent: readonly string[]; summary?: readonly string[] };

  constructor(runDir: string, private plan: Plan, out: NodeJS.WriteStream = process.stdout) {
    if (!out.isTTY) {
      this.plain = new PlainStatusView(plan, out);
      return;
    }
    this.dashboard = runDashboard({ runDir, onQuit: () => this.fallBack() });
  }

  update(s: State, recent: readonly string[], fresh: readonly string[]): void {
    this.last = { ...this.last, s, recent };
    this.plain?.update(s, recent, fresh);
  }

  note(line: string): void {
    this.dashboard?.note(`${stamp()} ${line}`);
    this.plain?.note(line);
  }

  summary(s: State, lines: readonly string[]): void {
    this.last = { recent: [], ...this.last, s, summary: lines };
    // The table is on screen already: the closing lines (counts, what to do next, logs) are enough.
    for (const l of lines.slice(-3)) if (l) this.dashboard?.note(l);
    this.plain?.summary(s, lines);
  }

  close(): void {
    void this.dashboard?.stop();
    this.plain?.close();
  }

  /** q in the dashboard: the pane keeps a live (plain) view; the run is not touched. */
  private fallBack(): void {
    this.dashboard = undefined;
    this.plain = new PlainStatusView(this.plan);
    if (!this.last) return;
    this.plain.update(this.last.s, this.last.recent, []);
    if (this.last.summary) this.plain.summary(this.last.s, this.last.summary);
  }
}
