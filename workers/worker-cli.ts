/**
 * The lean entry of a worker group process, as the run starts it:
 * `node worker-cli.js worker --quad N --run-dir DIR [--plain]` (the same arguments as
 * `orchestrator worker`). It loads only what a worker needs: every run starts one process per
 * group, and the full CLI (every command, tmux, dashboards) cost each of them about 0.1 s of
 * CPU and 7 MB more. Any other command line is handed to the full CLI.
 */
import { tuneHeapForLongRun } from '../orchestrator/heap-tuning.js';
import { resolveRunDir } from '../orchestrator/paths.js';
import { workerMain } from './worker-main.js';

interface WorkerArgs {
  quad: number;
  runDir?: string;
  plain: boolean;
}

/** The arguments, or undefined when they are not exactly a worker's. */
export function parseWorkerArgs(argv: readonly string[]): WorkerArgs | undefined {
  if (argv[0] !== 'worker') return undefined;
  const out: Partial<WorkerArgs> = { plain: false };
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--plain') out.plain = true;
    else if (a === '--quad' && /^[1-8]$/.test(argv[i + 1] ?? '')) out.quad = Number(argv[++i]);
    else if (a === '--run-dir' && argv[i + 1] !== undefined) out.runDir = argv[++i];
    else return undefined;
  }
  return out.quad === undefined ? undefined : (out as WorkerArgs);
}

async function main(): Promise<void> {
  const args = parseWorkerArgs(process.argv.slice(2));
  if (!args) {
    await import('../bin/cli.js');
    return;
  }
  tuneHeapForLongRun();
  try {
    const view = !args.plain && process.stdout.isTTY ? new (await import('../panes/quad-view.js')).QuadView(process.stdout) : undefined;
    process.exitCode = await workerMain({ runDir: resolveRunDir(args.runDir), quad: args.quad, view });
  } catch (e) {
    const err = e as Error & { exitCode?: number };
    const known = err?.name === 'StateError' || err?.name === 'PlanError' || err?.name === 'UsageError';
    process.stderr.write(known ? `${err.name === 'StateError' ? 'state error' : 'error'}: ${err.message}\n` : `internal error: ${err?.stack ?? String(e)}\n`);
    process.exitCode = 2;
  }
}

void main();
