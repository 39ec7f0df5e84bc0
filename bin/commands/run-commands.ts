/**
 * run (single terminal) and worker (one worker group). Implementations are imported when their
 * command runs: the `run` process then holds only what a run needs (no tmux, no dashboard).
 */
import type { Command } from 'commander';
import { tuneHeapForLongRun } from '../../orchestrator/heap-tuning.js';
import { resolveRunDir } from '../../orchestrator/paths.js';
import { finishedRunGate } from './rerun-gate.js';
import { intOption, type RunCommandOptions, withRunOptions } from './options.js';

export function registerRunCommands(program: Command): void {
  withRunOptions(program
    .command('run')
    .description('run a plan in this terminal: the worker groups as child processes'))
    .action(async (plan: string | undefined, o: RunCommandOptions) => {
      tuneHeapForLongRun();
      const gate = await finishedRunGate({ plan, runDir: resolveRunDir(o.runDir), agents: o.agents, quads: o.quads, fresh: o.fresh, intervalMs: o.interval }, 'run');
      if ('exit' in gate) return void (process.exitCode = gate.exit);
      const { runMain } = await import('../../orchestrator/run.js');
      process.exitCode = await runMain(gate.go);
    });

  program
    .command('worker')
    .description('run one worker group (its agents) until the run is finished')
    .requiredOption('--quad <n>', 'which quad', intOption('--quad', 1, 8))
    .option('--run-dir <dir>', 'run directory')
    .option('--plain', 'plain prefixed lines even on a terminal')
    .action(async (o: { quad: number; runDir?: string; plain?: boolean }) => {
      const { workerCommand } = await import('../../workers/worker-main.js');
      process.exitCode = await workerCommand(o);
    });
}
