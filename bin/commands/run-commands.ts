/**
 * run (single terminal) and worker (one worker group). Implementations are imported when their
 * command runs: the `run` process then holds only what a run needs (no tmux, no dashboard).
 */
import type { RunOptions } from '../../orchestrator/run-dir/run-setup.js';
import type { Command } from 'commander';
import { tuneHeapForLongRun } from '../../workers/os/heap-tuning.js';
import { resolveRunDir } from '../../orchestrator/run-dir/paths.js';
import { finishedRunGate } from './rerun-gate.js';
import { intOption, type RunCommandOptions, withRunOptions } from './options.js';

export function registerRunCommands(program: Command): void {
  withRunOptions(program
    .command('run')
    .description('run a plan in this terminal: the worker groups as child processes'))
    .option('--dry-run', 'show the order the tasks would start in, their agents and the lower bound; run nothing')
    .action(async (plan: string | undefined, o: RunCommandOptions & { dryRun?: boolean }) => {
      const run = { plan, runDir: resolveRunDir(o.runDir), agents: o.agents, quads: o.quads, fresh: o.fresh, intervalMs: o.interval, only: o.only };
      if (o.dryRun) return void (await printDryRun(run));
      tuneHeapForLongRun();
      const gate = await finishedRunGate(run, 'run');
      if ('exit' in gate) return void (process.exitCode = gate.exit);
      const { runMain } = await import('../../orchestrator/modes/run.js');
      process.exitCode = await runMain({ ...gate.go, agentPath: o.agentPath });
    });

  program
    .command('rerun')
    .description('run a done task again, and every task downstream of it')
    .argument('<id>', 'task id')
    .option('--run-dir <dir>', 'run directory')
    .action(async (id: string, o: { runDir?: string }) => {
      const [{ openRun }, { rerunTask }, { transact }, { UsageError }, { commandName }] = await Promise.all([
        import('./shared.js'), import('../../orchestrator/core/run/rerun.js'), import('../../orchestrator/core/run/draft.js'), import('../../orchestrator/core/errors.js'), import('../../orchestrator/run-dir/command-name.js'),
      ]);
      const run = await openRun(o.runDir);
      const below = await transact(run.store, (d) => {
        try {
          return rerunTask(d, run.ctx, id);
        } catch (e) {
          throw new UsageError((e as Error).message);
        }
      });
      process.stdout.write(`${id}${below.length ? ` and ${below.length} task(s) downstream (${below.join(', ')})` : ''} will run again. Start workers (${commandName('run')}) to run them, or let a running session pick them up.\n`);
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

/** run --dry-run: the plan as it would run, simulated with each task's estimate. */
async function printDryRun(o: RunOptions): Promise<void> {
  const [{ planFor }, { buildContext }, { dryRun }, { formatDuration }, { pathText }, { table }] = await Promise.all([
    import('../../orchestrator/run-dir/run-setup.js'), import('../../orchestrator/core/graph/context.js'), import('../../orchestrator/core/run/dry-run.js'),
    import('../../orchestrator/core/text/duration.js'), import('../../orchestrator/core/text/report.js'), import('../../orchestrator/core/text/table.js'),
  ]);
  const plan = planFor(o);
  const r = dryRun(buildContext(plan));
  const say = (l = '') => process.stdout.write(l + '\n');
  say(`dry run of ${plan.name}: ${plan.tasks.length} tasks, ${plan.agents.length} agents in ${plan.quads.length} quads (nothing is run)`);
  say();
  const quadOf = new Map(plan.agents.map((a) => [a.name, a.quad]));
  for (const l of table(r.steps.map((s, i) => [String(i + 1), `+${formatDuration(s.startMs)}`, s.task, s.agent, `Q${quadOf.get(s.agent)}`, formatDuration(s.estimateMs)]), ['#', 'START', 'TASK', 'AGENT', 'QUAD', 'ESTIMATE'])) say(l);
  say();
  say(`estimated makespan ${formatDuration(r.makespanMs)}; lower bound ${formatDuration(r.lowerBoundMs)}; critical path ${pathText(r.criticalPath)}`);
}
