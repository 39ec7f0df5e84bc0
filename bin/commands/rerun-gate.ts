/**
 * Starting a run on a run directory whose run is finished: at a terminal, ask whether to run it
 * again from scratch; without one, say so (and how) and start nothing. A different plan is
 * left to prepareRun, which refuses it.
 */
import { FileStateStore } from '../../state/store.js';
import { runPaths } from '../../orchestrator/run-dir/paths.js';
import { commandName } from '../../orchestrator/run-dir/command-name.js';
import type { RunOptions } from '../../orchestrator/run-dir/run-setup.js';

export type Gate = { go: RunOptions } | { exit: number };

export async function finishedRunGate(o: RunOptions, command: string, say = (l: string) => process.stdout.write(l + '\n')): Promise<Gate> {
  const paths = runPaths(o.runDir);
  if (o.fresh || !FileStateStore.exists(paths.stateDir)) return { go: o };
  const store = new FileStateStore(paths.stateDir);
  await store.open();
  const s = store.read();
  await store.close();
  if (s.meta.status !== 'finished') return { go: o };
  const [{ planFor }, { buildGraph }, { taskHashes }] = await Promise.all([
    import('../../orchestrator/run-dir/run-setup.js'), import('../../orchestrator/core/graph/graph.js'), import('../../orchestrator/core/plan/task-hash.js'),
  ]);
  const plan = planFor(o);
  if (plan.name !== s.meta.planName) return { go: o };
  // Something to do after all: a task the run has not done (new, changed, or outside an earlier --only).
  const hashes = taskHashes(plan, buildGraph(plan.tasks));
  if ([...hashes].some(([id, hash]) => s.tasks[id]?.status !== 'done' || s.tasks[id]?.hash !== hash)) return { go: o };
  const { counts, exitCodeFor } = await import('../../orchestrator/core/text/report.js');
  const c = counts(s);
  const total = Object.keys(s.tasks).length;
  const what = `the run of ${s.meta.planName} in ${paths.runDir} is finished (${c.done}/${total} done${c.failed ? `, ${c.failed} failed` : ''}${c.blocked ? `, ${c.blocked} blocked` : ''})`;
  if (process.stdin.isTTY && process.stdout.isTTY) {
    const { askYesNo } = await import('./ask.js');
    if (await askYesNo(`${what[0]!.toUpperCase()}${what.slice(1)}. Run it again from scratch? (the earlier run goes to .orchestrator/history/)`)) return { go: { ...o, fresh: true } };
    say(`left as it was: ${commandName('status')} shows it, ${commandName('report')} writes its report`);
    return { exit: exitCodeFor(s) };
  }
  say(`${what}; nothing to run.`);
  say(`  run it again from scratch: ${commandName(`${command} --fresh`)}`);
  if (c.failed || c.blocked) say(`  run a failed task again:   ${commandName('retry ID')}, then ${commandName(command)}`);
  return { exit: exitCodeFor(s) };
}
