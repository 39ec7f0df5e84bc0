/**
 * `orchestrator worker` as both entries run it (the full CLI and the lean bin/worker-cli.ts):
 * the view is chosen here, at the top, so the worker group itself (workers/) never imports a pane.
 * It loads no commander and no tmux: the lean entry imports it for every worker group.
 */
import { tuneHeapForLongRun } from '../../workers/os/heap-tuning.js';
import { resolveRunDir } from '../../orchestrator/run-dir/paths.js';
import { workerMain } from '../../workers/worker-main.js';

/** `orchestrator worker` as both entries run it: the grid view in a terminal (a quad pane), plain lines otherwise. */
export async function workerCommand(o: { quad: number; runDir?: string; plain?: boolean }): Promise<number> {
  tuneHeapForLongRun();
  const view = !o.plain && process.stdout.isTTY ? new (await import('../../panes/quad/quad-view.js')).QuadView(process.stdout) : undefined;
  return workerMain({ runDir: resolveRunDir(o.runDir), quad: o.quad, view });
}
