/**
 * Single-terminal mode (`orchestrator run`): the worker groups as child processes of this one,
 * progress as one line per event (with a live bar on a TTY), a summary at the end.
 * Ctrl-C / SIGTERM stops every worker and task tree, records the interruption, exits 130.
 */
import { Draft } from './draft.js';
import { formatDuration } from './duration.js';
import { interruptRun } from './lifecycle.js';
import { spawnWorker } from './worker-process.js';
import { countsLine, exitCodeFor, makespan, taskTable } from './report.js';
import { prepareRun, type RunOptions } from './run-setup.js';
import { EventTail } from '../state/event-tail.js';
import { formatEvent } from '../panes/event-line.js';
import { ProgressLine } from '../panes/progress-line.js';

export interface RunMainOptions extends RunOptions {
  out?: NodeJS.WriteStream;
}

export async function runMain(o: RunMainOptions): Promise<number> {
  const out = o.out ?? process.stdout;
  const run = await prepareRun(o);
  const { plan, store, paths } = run;
  const say = (line: string) => out.write(line + '\n');
  if (run.movedAside) say(`previous state moved to ${run.movedAside}`);
  const first = store.read();
  say(`${run.resumed ? 'resuming' : 'starting'} ${plan.name}: ${Object.keys(first.tasks).length} tasks, ${plan.agents.length} agents in ${plan.quads.length} quads, run dir ${paths.runDir}`);
  if (first.meta.status === 'finished') {
    say('every task is already done (use --fresh to run again)');
    return finishUp(run, say);
  }
  const bar = out.isTTY ? new ProgressLine(out) : undefined;
  const tail = new EventTail(paths.events, { fromEnd: true });
  const workers = plan.quads.map((q) => spawnWorker(paths.runDir, q.id));
  const exited = workers.map((w) => new Promise<number | null>((res) => w.once('exit', (code) => res(code))));

  let interrupted = false;
  const onSignal = () => {
    if (interrupted) return;
    interrupted = true;
    say('stopping: ending every task and worker…');
    for (const w of workers) if (w.exitCode === null) w.kill('SIGTERM');
    setTimeout(() => workers.forEach((w) => w.exitCode === null && w.kill('SIGKILL')), 5000).unref();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);

  const pump = () => {
    for (const e of tail.read()) {
      const line = formatEvent(e);
      if (line) (bar ? bar.above(line) : say(line));
    }
    bar?.draw(store.read(), plan);
  };
  const timer = setInterval(pump, 100);
  const unwatch = store.watch(pump, 250);
  await Promise.all(exited);
  clearInterval(timer);
  unwatch();
  pump();
  bar?.clear();
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  process.off('SIGHUP', onSignal);

  if (interrupted) {
    await store.transaction((s) => {
      const d = new Draft(s, Date.now());
      interruptRun(d);
      return d.result(null);
    });
  }
  return finishUp(run, say);
}

function finishUp(run: Awaited<ReturnType<typeof prepareRun>>, say: (l: string) => void): number {
  const s = run.store.read();
  say('');
  for (const l of taskTable(s, run.plan)) say(l);
  const m = makespan(s, run.plan);
  say('');
  say(`${countsLine(s)}; makespan ${formatDuration(m.makespanMs)} (lower bound ${formatDuration(m.lowerBoundMs)}, critical path ${m.criticalPath.join(' -> ')})`);
  const code = exitCodeFor(s);
  if (code === 130) say(`run ${s.meta.status === 'interrupted' ? 'interrupted' : 'stopped before the end'}; \`orchestrator run\` resumes it`);
  say(`logs: ${run.paths.logsDir}`);
  void run.store.close();
  return code;
}
