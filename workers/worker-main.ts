/**
 * `orchestrator worker --quad N`: one worker group as a process. SIGTERM, SIGINT and SIGHUP
 * (a tmux pane or session being killed) end every task tree this process started, hand the
 * running tasks back to the run, and exit.
 */
import { endAllGroups, killAllGroupsNow } from './os/process-groups.js';
import { PlainView, type GroupView } from './view.js';
import { WorkerGroup } from './worker-group.js';
import { DISK_FULL_EXIT, DISK_READONLY_EXIT, RUN_DIR_ENV } from '../orchestrator/supervisors/worker-process.js';
import { diskErrorOf } from '../orchestrator/core/errors.js';

export interface WorkerMainOptions {
  runDir: string;
  quad: number;
  view?: GroupView;
}

export async function workerMain(o: WorkerMainOptions): Promise<number> {
  // A closed terminal must not turn output into a crash while we clean up.
  for (const s of [process.stdout, process.stderr]) s.on('error', () => undefined);
  // Every task carries the run's marker, however this group was started: leftovers are found by it.
  process.env[RUN_DIR_ENV] = o.runDir;
  const group = new WorkerGroup({ runDir: o.runDir, quad: o.quad, view: o.view ?? new PlainView() });
  let signalled: NodeJS.Signals | undefined;
  const onSignal = (sig: NodeJS.Signals) => {
    // Signals come in pairs: Ctrl-C reaches the whole foreground group (this worker and the
    // run, which then sends its SIGTERM), a hangup comes from the terminal and from tmux. Only
    // insisting (the same signal again: a second Ctrl-C or SIGTERM) skips handing the running
    // tasks back.
    if (signalled && (sig === 'SIGHUP' || sig !== signalled)) return;
    if (signalled) {
      killAllGroupsNow();
      group.sweepNow(true);
      process.exit(130);
    }
    signalled = sig;
    void endAllGroups(500);
    void group.stop();
    // Never hang on the way out: hand back what we can, then go.
    setTimeout(() => {
      killAllGroupsNow();
      group.sweepNow(true);
      process.exit(130);
    }, 3000).unref();
  };
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(sig, onSignal);
  process.on('exit', killAllGroupsNow);
  try {
    await group.run();
  } catch (e) {
    const disk = diskErrorOf(e, o.runDir);
    if (!disk) throw e;
    // Said once, plainly, on the way out; the run that started us stops and says it too.
    process.stderr.write(`quad ${o.quad} stopped: ${disk.message}\n`);
    return disk.kind === 'full' ? DISK_FULL_EXIT : DISK_READONLY_EXIT;
  }
  return signalled ? 130 : 0;
}
