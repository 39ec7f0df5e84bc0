/**
 * The dashboard's entry for both callers: `orchestrator dashboard` (standalone: it owns the
 * process, so quitting or a SIGTERM/SIGHUP ends it) and the quad session's control pane
 * (embedded: the caller owns the process and its signals, is told when the user quits, and
 * can add its own lines — keep-alive actions — to the log panel). Quitting never stops the run.
 */
import { Dashboard, type DashboardOptions } from './dashboard.js';

export interface RunDashboardOptions extends DashboardOptions {
  /** Standalone: exit the process when the dashboard ends (default false). */
  ownExit?: boolean;
}

export interface DashboardHandle {
  /** Resolves when the dashboard has ended (user quit or stop()); the terminal is restored by then. */
  done: Promise<void>;
  stop(): Promise<void>;
  /** Adds a line to the alerts & log panel (newest last, the last 50 kept). */
  note(line: string): void;
}

export function runDashboard(o: RunDashboardOptions): DashboardHandle {
  const d = new Dashboard(o).start();
  if (o.ownExit) {
    // SIGHUP (the pane or terminal went away) keeps its default action: there is no terminal
    // left to restore, and writing to it, or Node restoring its mode at exit, fails with EIO.
    const end = () => void d.stop();
    process.once('SIGTERM', end);
    process.once('SIGINT', end);
    void d.done.then(() => {
      process.off('SIGTERM', end);
      process.off('SIGINT', end);
      // Nothing should be left running; if something is (a stray handle), do not hang the pane.
      setTimeout(() => process.exit(process.exitCode ?? 0), 300).unref();
    });
  }
  return { done: d.done, stop: () => d.stop(), note: (line) => d.note(line) };
}
