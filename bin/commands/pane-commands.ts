/**
 * The quad terminal: launch, attach, stop, and control (the control pane's process).
 * Implementations (tmux, execa, the dashboard) load when their command runs.
 */
import { commandName } from '../../orchestrator/run-dir/command-name.js';
import type { Command } from 'commander';
import { UsageError } from '../../orchestrator/core/errors.js';
import { tuneHeapForLongRun } from '../../workers/os/heap-tuning.js';
import { resolveRunDir, runPaths } from '../../orchestrator/run-dir/paths.js';
import type { ControlRun } from '../../panes/control/control.js';
import { parseSize } from '../../panes/tmux/layout.js';
import { finishedRunGate } from './rerun-gate.js';
import { intOption, type RunCommandOptions, withRunOptions } from './options.js';

const SESSION_HELP = 'tmux session name (default: $ORCHESTRATOR_SESSION or "orchestrator")';
const SOCKET_HELP = 'private tmux server socket name, as tmux -L (default: $ORCHESTRATOR_TMUX_SOCKET, else your default tmux server)';

function sizeOption(v: string): { width: number; height: number } {
  const s = parseSize(v);
  if (!s) throw new UsageError(`--size must be COLSxROWS such as 200x60 (at least 20x5), got '${v}'`);
  return s;
}

export function registerPaneCommands(program: Command): void {
  withRunOptions(program
    .command('launch')
    .description('run a plan in a tmux session: one pane per quad, a control pane, and a logs window'))
    .option('--attach', 'attach this terminal to the session once it is built')
    .option('--session <name>', SESSION_HELP)
    .option('--socket <name>', SOCKET_HELP)
    .option('--size <COLSxROWS>', 'window size while detached (default: this terminal\'s, else 80x24)', sizeOption)
    .action(async (plan: string | undefined, o: RunCommandOptions & { attach?: boolean; session?: string; socket?: string; size?: { width: number; height: number } }) => {
      const { interval, ...rest } = o;
      const gate = await finishedRunGate({ ...rest, plan, runDir: resolveRunDir(o.runDir), intervalMs: interval }, 'launch');
      if ('exit' in gate) return void (process.exitCode = gate.exit);
      const { launchMain } = await import('../../panes/tmux/launch.js');
      process.exitCode = await launchMain({ ...rest, ...gate.go });
    });

  program
    .command('attach')
    .description('attach this terminal to the quad session (switches client when already inside tmux)')
    .option('--session <name>', SESSION_HELP)
    .option('--socket <name>', SOCKET_HELP)
    .action(async (o: { session?: string; socket?: string }) => {
      const [{ Tmux }, { sessionFlags }] = await Promise.all([import('../../panes/tmux/tmux.js'), import('../../panes/tmux/launch.js')]);
      const tmux = Tmux.fromEnv(o);
      await tmux.ensureAvailable();
      if (!(await tmux.hasSession())) throw new UsageError(`no tmux session '${tmux.session}' is running${tmux.socket ? ` on socket ${tmux.socket}` : ''}; start one with: ${commandName('launch')}${sessionFlags(tmux)}`);
      if (!process.env.TMUX && !(process.stdin.isTTY && process.stdout.isTTY)) {
        throw new UsageError(`attaching needs a terminal, and stdin/stdout are not one here; from a terminal run: ${tmux.describe('attach')}`);
      }
      process.exitCode = await tmux.attach();
    });

  program
    .command('stop')
    .description('kill the quad session and every process it started (tasks included), even wedged ones')
    .option('--session <name>', SESSION_HELP)
    .option('--socket <name>', SOCKET_HELP)
    .option('--run-dir <dir>', 'run directory (its recorded session is used when no session is named)')
    .option('--grace <ms>', 'how long processes get to stop cleanly before SIGKILL', intOption('--grace', 0, 60_000), 4000)
    .action(async (o: { session?: string; socket?: string; runDir?: string; grace: number }) => {
      const { stopMain } = await import('../../panes/tmux/tmux-stop.js');
      process.exitCode = await stopMain({ paths: runPaths(resolveRunDir(o.runDir)), session: o.session, socket: o.socket, graceMs: o.grace });
    });

  program
    .command('control')
    .description('the control pane of a quad session: the live dashboard and the keep-alive monitor (started by launch)')
    .option('--run-dir <dir>', 'run directory')
    .option('--session <name>', SESSION_HELP)
    .option('--socket <name>', SOCKET_HELP)
    .option('--plain', 'the plain live status view instead of the dashboard')
    .action(async (o: { runDir?: string; session?: string; socket?: string; plain?: boolean }) => {
      tuneHeapForLongRun();
      // The dashboard on a terminal; it falls back to the plain view by itself without one.
      const { controlMain } = await import('../../panes/control/control.js');
      const Dashboard = o.plain ? undefined : (await import('../../panes/dashboard/view/dashboard-control-view.js')).DashboardControlView;
      const view = Dashboard && ((run: ControlRun) => new Dashboard(run.paths.runDir, run.plan));
      process.exitCode = await controlMain({ runDir: resolveRunDir(o.runDir), session: o.session, socket: o.socket, view });
    });
}
