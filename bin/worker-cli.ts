/**
 * The lean entry of a worker group process, as the run starts it:
 * `node worker-cli.js worker --quad N --run-dir DIR [--plain]` (the same arguments as
 * `orchestrator worker`). It loads only what a worker needs: every run starts one process per
 * group, and the full CLI (every command, tmux, dashboards) cost each of them about 0.1 s of
 * CPU and 7 MB more. Any other command line is handed to the full CLI.
 */
import { renderError } from './render-error.js';
import { workerCommand } from './commands/worker-command.js';

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
    await import('./cli.js');
    return;
  }
  try {
    process.exitCode = await workerCommand(args);
  } catch (e) {
    const { code, message } = renderError(e, args.runDir);
    process.stderr.write(message + '\n');
    process.exitCode = code;
  }
}

void main();
