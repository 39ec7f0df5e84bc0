/** dashboard: the live view of a run, from any terminal (monitoring mode). */
import { commandName } from '../../orchestrator/run-dir/command-name.js';
import type { Command } from 'commander';
import { UsageError } from '../../orchestrator/core/errors.js';
import { resolveRunDir } from '../../orchestrator/run-dir/paths.js';

export function registerDashboardCommand(program: Command): void {
  program
    .command('dashboard')
    .description('live dashboard of a run (agents, progress, timeline, CPU/memory); q quits, the run goes on')
    .option('--run-dir <dir>', 'run directory (default: $ORCHESTRATOR_RUN_DIR or the current directory)')
    .option('--no-gpu', 'do not probe nvidia-smi')
    .action(async (o: { runDir?: string; gpu?: boolean }) => {
      if (!process.stdout.isTTY || !process.stdin.isTTY) {
        throw new UsageError(`the dashboard needs a terminal; for scripts use ${commandName('status')} (or ${commandName('status --json')})`);
      }
      // Loaded on demand: blessed-contrib takes a tenth of a second to load, other commands do not need it.
      const { runDashboard } = await import('../../panes/dashboard/view/run-dashboard.js');
      await runDashboard({ runDir: resolveRunDir(o.runDir), gpu: o.gpu === false ? false : undefined, ownExit: true }).done;
    });
}
