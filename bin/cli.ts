/**
 * The one executable entry (`bin/orchestrator`). Subcommands are defined in bin/commands/*;
 * errors are rendered here, once, and mapped to the documented exit codes:
 * 0 all done, 1 a task failed or is blocked, 2 usage / plan / state error, 130 interrupted.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { renderError } from './render-error.js';
import { PACKAGE_ROOT, resolveRunDir } from '../orchestrator/run-dir/paths.js';
import { endQuietlyOnBrokenPipe } from './broken-pipe.js';
import { registerDashboardCommand } from './commands/dashboard-command.js';
import { registerLogsCommand } from './commands/logs-command.js';
import { registerCompletionCommand } from './commands/completion-command.js';
import { registerReportCommand } from './commands/report-command.js';
import { registerKeepAliveCommands } from './commands/keep-alive-commands.js';
import { registerPaneCommands } from './commands/pane-commands.js';
import { registerRunCommands } from './commands/run-commands.js';
import { registerStateCommands } from './commands/state-commands.js';

const version = (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

export function buildProgram(): Command {
  const program = new Command('orchestrator')
    .description('Multi-agent orchestrator for the terminal: agents in worker groups run a plan of tasks.')
    .version(version)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerStateCommands(program);
  registerRunCommands(program);
  registerKeepAliveCommands(program);
  registerPaneCommands(program);
  registerDashboardCommand(program);
  registerLogsCommand(program);
  registerCompletionCommand(program);
  registerReportCommand(program);
  return program;
}

/** Commander has printed its own message (or the help) already; everything else is ours to render. */
export function cliError(e: unknown, runDir?: string): { code: number; message: string } {
  if (e instanceof CommanderError) return { code: e.exitCode === 0 ? 0 : 2, message: '' };
  return renderError(e, runDir);
}

/** The run directory the command line names (for messages about its disk). */
function runDirOf(argv: readonly string[]): string {
  const i = argv.indexOf('--run-dir');
  return resolveRunDir(i >= 0 ? argv[i + 1] : undefined);
}

export async function main(argv: string[]): Promise<number> {
  try {
    const program = buildProgram();
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    const { code, message } = cliError(e, runDirOf(argv));
    if (message) process.stderr.write(message + '\n');
    return code;
  }
}

endQuietlyOnBrokenPipe();
main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(`${(e as Error).stack}\n`);
    process.exitCode = 2;
  },
);
