/**
 * `orchestrator worker --quad N`: one worker group as a process. SIGTERM, SIGINT and SIGHUP
 * (a tmux pane or session being killed) end every task tree this process started, hand the
 * running tasks back to the run, and exit.
 */
import { endAllGroups, killAllGroupsNow } from './os/process-groups.js';
import { PlainView, type GroupView } from './view.js';
import { WorkerGroup } from './worker-group.js';

export interface WorkerMainOptions {
  runDir: string;
  quad: number;
  view?: GroupView;
}

export async function workerMain(o: WorkerMainOptions): Promise<number> {
  // A closed terminal must not turn output into a crash while we clean up.
  for (const s of [process.stdout, process.stderr]) s.on('error', () => undefined);
  const group = new WorkerGroup({ runDir: o.runDir, quad: o.quad, view: o.view ?? new PlainView() });
  let signalled: NodeJS.Signals | undefined;
  const onSignal = (sig: NodeJS.Signals) => {
    // A hangup can come twice (the terminal closing and tmux); only insisting (a second
    // Ctrl-C or SIGTERM) skips handing the running tasks back.
    if (signalled && sig === 'SIGHUP') return;
    if (signalled) {
      killAllGroupsNow();
      process.exit(130);
    }
    signalled = sig;
    void endAllGroups(500);
    void group.stop();
    // Never hang on the way out: hand back what we can, then go.
    setTimeout(() => {
      killAllGroupsNow();
      process.exit(130);
    }, 3000).unref();
  };
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(sig, onSignal);
  process.on('exit', killAllGroupsNow);
  await group.run();
  return signalled ? 130 : 0;
}
