/** validate, status, retry, reset, state recover; implementations load when their command runs. */
import { commandName } from '../../orchestrator/run-dir/command-name.js';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { formatDuration } from '../../orchestrator/core/text/duration.js';
import { resolveRunDir, runPaths, type RunPaths } from '../../orchestrator/run-dir/paths.js';
import { UsageError } from '../../orchestrator/core/errors.js';
import { StateError } from '../../state/errors.js';
import { agentsOfQuad } from '../../orchestrator/core/plan/default-agents.js';

const say = (l = '') => process.stdout.write(l + '\n');

export function registerStateCommands(program: Command): void {
  program
    .command('validate')
    .description('check a plan and show its tasks, agents per quad, critical path and lower bound')
    .argument('[plan]', 'plan file (YAML or JSON); default: the bundled avatar-platform plan')
    .option('--agent-path <dir>', 'a folder searched first for agent CLIs (default: $ORCHESTRATOR_AGENT_PATH)')
    .action(async (planFile: string | undefined, o: { agentPath?: string }) => {
      const [{ loadPlan }, { buildContext }, { pathText }, { table }] = await Promise.all([
        import('../../orchestrator/run-dir/load-plan.js'), import('../../orchestrator/core/graph/context.js'), import('../../orchestrator/core/text/report.js'),
        import('../../orchestrator/core/text/table.js'),
      ]);
      const plan = loadPlan(planFile);
      const ctx = buildContext(plan);
      if (plan.tasks.some((t) => t.agent)) {
        const { missingClis } = await import('../../workers/agents/installed.js');
        const missing = missingClis(plan, o.agentPath ?? process.env.ORCHESTRATOR_AGENT_PATH);
        if (missing.length) throw new UsageError(missing.join('\n'));
      }
      say(`plan ${plan.name} (${plan.file}): ${plan.tasks.length} tasks, ${plan.agents.length} agents in ${plan.quads.length} quads — valid`);
      say();
      for (const l of table(plan.tasks.map((t) => [t.id, t.title, t.role ?? '', t.needs.join(',') || '-']), ['TASK', 'TITLE', 'ROLE', 'NEEDS'])) say(l);
      say();
      for (const q of plan.quads) say(`quad ${q.id} · ${q.name}: ${agentsOfQuad(plan.agents, q.id).join(', ')}`);
      say();
      say(`critical path: ${pathText(ctx.critical.path)} (${formatDuration(ctx.critical.length)} estimated)`);
      say(`lower bound on makespan: ${formatDuration(ctx.lowerBoundMs)} (max of critical path and total work / ${plan.agents.length} agents; estimates: learned, plan 'estimate', else 1s per task)`);
    });

  program
    .command('schema')
    .description('print the JSON Schema of plan files (editors validate and complete plans with it)')
    .action(async () => {
      const { planJsonSchemaText } = await import('../../orchestrator/core/plan/plan-json-schema.js');
      process.stdout.write(planJsonSchemaText());
    });

  program
    .command('status')
    .description('tasks and agents of a run (from its state file)')
    .option('--json', 'machine-readable output')
    .option('--run-dir <dir>', 'run directory (default: $ORCHESTRATOR_RUN_DIR or the current directory)')
    .action(async (o: { json?: boolean; runDir?: string }) => {
      const [{ openRun }, { statusJson, taskTable }, { statusText }, { buildViewModel }] = await Promise.all([
        import('./shared.js'), import('../../orchestrator/core/text/report.js'), import('../../panes/dashboard/view/status-text.js'), import('../../panes/dashboard/model/view-model.js'),
      ]);
      const run = await openRun(o.runDir);
      const s = run.store.read();
      const model = buildViewModel({ state: s, plan: run.plan, now: Date.now(), graph: run.ctx.graph });
      if (o.json) {
        const st = model.status;
        const timing = { elapsedMs: st.elapsedMs, makespanMs: st.makespanMs, lowerBoundMs: st.lowerBoundMs, etaMs: st.etaMs ?? null, etaIsLowerBound: !!st.etaOverrun, criticalPath: st.criticalPath };
        say(JSON.stringify({ ...statusJson(s), ...timing }, null, 2));
        return;
      }
      // The dashboard's essentials, from the same view model, then every task.
      for (const l of statusText(model, { alerts: 5 })) say(l);
      say();
      for (const l of taskTable(s, run.plan)) say(l);
    });

  program
    .command('retry')
    .description('make a failed task ready again and unblock its dependents')
    .argument('<id>', 'task id')
    .option('--run-dir <dir>', 'run directory')
    .action(async (id: string, o: { runDir?: string }) => {
      const [{ openRun }, { retryTask }, { transact }] = await Promise.all([import('./shared.js'), import('../../orchestrator/core/run/lifecycle.js'), import('../../orchestrator/core/run/draft.js')]);
      const run = await openRun(o.runDir);
      const unblocked = await transact(run.store, (d) => {
        try {
          return retryTask(d, run.ctx, id);
        } catch (e) {
          throw new UsageError((e as Error).message);
        }
      });
      const g = run.plan.git;
      if (g?.repo && run.ctx.tasks.get(id)?.workspace === 'worktree') {
        // Its next attempt starts from a new worktree on the integration tip, not from the kept one.
        const { TaskWorkspaces } = await import('../../orchestrator/run-dir/task-workspace.js');
        const ws = new TaskWorkspaces(g.repo, run.plan.name, run.paths.stateDir, g);
        await ws.discard(id);
        say(`removed ${id}'s worktree and branch ${ws.branch(id)}: its next attempt starts from the tip of ${g.integration}`);
      }
      say(`${id} is ready again${unblocked.length ? `; unblocked ${unblocked.join(', ')}` : ''}. Start workers (${commandName('run')}) to run it.`);
    });

  program
    .command('reset')
    .description('clear the run in this run directory (state and logs moved to .orchestrator/history/, the last 5 kept)')
    .option('--yes', 'do not ask')
    .option('--run-dir <dir>', 'run directory')
    .action(async (o: { yes?: boolean; runDir?: string }) => {
      const paths = runPaths(resolveRunDir(o.runDir));
      if (!existsSync(join(paths.stateDir, 'state.json')) && !existsSync(paths.logsDir)) {
        say(`nothing to reset in ${paths.runDir}`);
        return;
      }
      const { refuseWhileAlive } = await import('../../orchestrator/supervisors/run-processes.js');
      refuseWhileAlive(paths, 'reset');
      if (!o.yes) {
        if (!process.stdin.isTTY) throw new UsageError('reset asks for confirmation; pass --yes when not at a terminal');
        const { askYesNo } = await import('./ask.js');
        if (!(await askYesNo(`Clear the run in ${paths.runDir} (state and logs go to .orchestrator/history/; its task worktrees and branches are removed)?`))) {
          say('left as it was');
          return;
        }
      }
      refuseWhileAlive(paths, 'reset'); // again: the question may have waited a long time
      const { readRunPlan } = await import('../../orchestrator/run-dir/run-setup.js');
      let git: { top: string; name: string } | undefined;
      try {
        const plan = readRunPlan(paths);
        if (plan.git?.repo) git = { top: plan.git.repo.top, name: plan.name };
      } catch {
        // No readable plan copy: no worktrees known either.
      }
      if (git) {
        say(`removing the run's task worktrees and task branches in ${git.top}`);
        const { removeRunWorkspaces, removedText } = await import('../../orchestrator/run-dir/git-repo.js');
        say(removedText(await removeRunWorkspaces(git.top, git.name, paths.stateDir)) ?? 'no task worktree or branch was left');
      }
      const { moveToHistory } = await import('../../orchestrator/run-dir/run-history.js');
      say(`state and logs moved to ${moveToHistory(paths)}`);
    });

  const state = program.command('state').description('maintenance of the state file');
  state
    .command('recover')
    .description('restore the last good generation of a damaged state (damaged files are kept aside)')
    .option('--run-dir <dir>', 'run directory')
    .action(async (o: { runDir?: string }) => {
      const paths = runPaths(resolveRunDir(o.runDir));
      const hasState = existsSync(paths.stateDir) && readdirSync(paths.stateDir).some((n) => /^(state\.json|journal\.)/.test(n));
      if (!hasState) throw new StateError(`no run in ${paths.runDir}: nothing to recover`, 'Give the run directory with --run-dir, or start a run there.');
      const { recoverState } = await import('../../state/recover.js');
      const r = await recoverState(paths.stateDir);
      if (r.healthy) {
        say(`the state in ${paths.stateDir} is healthy (sequence ${r.seq}); nothing to do`);
        return;
      }
      say(`the store refused the state: ${r.problem}`);
      say(`recovered from ${r.base} (sequence ${r.baseSeq}) + ${r.replayed} journal entries → sequence ${r.seq}`);
      for (const k of r.kept) say(`kept ${k.count} entries of ${k.file} (sequence ${k.from}..${k.to})`);
      for (const d of r.dropped) say(`dropped ${d.bytes} bytes of ${d.file} at byte ${d.offset}${d.seq !== undefined ? ` (sequence ${d.seq})` : ''}: ${d.why}`);
      if (r.dropped.length) say(`${r.dropped.length} journal lines (${r.droppedBytes} bytes) dropped in all`);
      for (const f of r.movedAside) say(`damaged file kept as ${f}`);
    });
}

