/** keep-alive (the monitor as its own process) and ha (high-availability mode); implementations load when run. */
import { Option, type Command } from 'commander';
import { tuneHeapForLongRun } from '../../workers/os/heap-tuning.js';
import { resolveRunDir } from '../../orchestrator/run-dir/paths.js';
import { finishedRunGate } from './rerun-gate.js';
import { INTERVAL_HELP, intervalOption, type RunCommandOptions, withRunOptions } from './options.js';

export function registerKeepAliveCommands(program: Command): void {
  program
    .command('keep-alive')
    .description('supervise the worker groups of a run: restart crashed or hung ones (backoff 1-16 s, at most 5), requeue their tasks, raise alerts')
    .option('--run-dir <dir>', 'run directory (default: $ORCHESTRATOR_RUN_DIR or the current directory)')
    .option('--interval <duration>', INTERVAL_HELP, intervalOption)
    .addOption(new Option('--with-control', 'also keep the control process of `orchestrator ha` alive').hideHelp())
    .action(async (o: { runDir?: string; interval?: number; withControl?: boolean }) => {
      tuneHeapForLongRun();
      const { keepAliveMain } = await import('../../orchestrator/modes/keep-alive-main.js');
      process.exitCode = await keepAliveMain({ runDir: resolveRunDir(o.runDir), intervalMs: o.interval, withControl: o.withControl });
    });

  withRunOptions(program
    .command('ha')
    .description('high-availability mode: the run supervised by a keep-alive monitor that itself is kept alive; any single process may die'))
    .addOption(new Option('--control', 'take over as the control process of a run already going').hideHelp())
    .action(async (plan: string | undefined, o: RunCommandOptions & { control?: boolean }) => {
      tuneHeapForLongRun();
      const run = { plan, runDir: resolveRunDir(o.runDir), agents: o.agents, quads: o.quads, fresh: o.fresh, intervalMs: o.interval, only: o.only };
      const gate = o.control ? { go: run } : await finishedRunGate(run, 'ha');
      if ('exit' in gate) return void (process.exitCode = gate.exit);
      const { haMain } = await import('../../orchestrator/modes/ha.js');
      process.exitCode = await haMain({ ...gate.go, agentPath: o.agentPath, control: o.control });
    });
}
