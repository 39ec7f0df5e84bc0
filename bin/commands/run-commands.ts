/**
 * run (single terminal) and worker (one worker group). Implementations are imported when their
 * command runs: the `run` process then holds only what a run needs (no tmux, no dashboard).
 */
import type { Command } from 'commander';
import { tuneHeapForLongRun } from '../../workers/os/heap-tuning.js';
import { resolveRunDir } from '../../orchestrator/run-dir/paths.js';
import { intOption, type RunCommandOptions, withRunOptions } from './options.js';

export function registerRunCommands(program: Command): void {
  withRunOptions(program
    .command('run')
    .description('run a plan in this terminal: the worker groups as child processes'))
    .action(async (plan: string | undefined, o: RunCommandOptions) => {
      tuneHeapForLongRun();
      const { runMain } = await import('../../orchestrator/modes/run.js');
      process.exitCode = await runMain({ plan, runDir: resolveRunDir(o.runDir), agents: o.agents, quads: o.quads, fresh: o.fresh, intervalMs: o.interval, agentPath: o.agentPath });
    });

  program
    .command('worker')
    .description('run one worker group (its agents) until the run is finished')
    .requiredOption('--quad <n>', 'which quad', intOption('--quad', 1, 8))
    .option('--run-dir <dir>', 'run directory')
    .option('--plain', 'plain prefixed lines even on a terminal')
    .action(async (o: { quad: number; runDir?: string; plain?: boolean }) => {
      const { workerCommand } = await import('./worker-command.js');
      process.exitCode = await workerCommand(o);
    });
}
