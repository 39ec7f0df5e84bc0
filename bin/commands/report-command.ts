/** report [--open]: the run as one self-contained HTML page, logs/report.html. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';

const TAIL_LINES = 30;

function tail(file: string): string | undefined {
  if (!existsSync(file)) return undefined;
  const lines = readFileSync(file, 'utf8').split('\n');
  return lines.slice(-TAIL_LINES - 1).join('\n').trim() || undefined;
}

export function registerReportCommand(program: Command): void {
  program
    .command('report')
    .description('write the run as one HTML page (timeline per agent, attempts, logs, alerts) to logs/report.html')
    .option('--open', 'open it in the browser (xdg-open / open)')
    .option('--run-dir <dir>', 'run directory (default: $ORCHESTRATOR_RUN_DIR or the current directory)')
    .action(async (o: { open?: boolean; runDir?: string }) => {
      const [{ openRun }, { htmlReport }, { readEvents }] = await Promise.all([
        import('./shared.js'), import('../../orchestrator/core/text/html-report.js'), import('../../state/events.js'),
      ]);
      const run = await openRun(o.runDir);
      const state = run.store.read();
      await run.store.close();
      const tails = Object.fromEntries(run.plan.tasks.flatMap((t) => {
        const text = tail(run.paths.taskLog(t.id));
        return text ? [[t.id, text]] : [];
      }));
      const html = htmlReport({ state, plan: run.plan, events: readEvents(run.paths.events), tails, generatedAt: Date.now() });
      const file = join(run.paths.logsDir, 'report.html');
      writeFileSync(file, html);
      process.stdout.write(`report: ${file}\n`);
      if (!o.open) return;
      const { spawn } = await import('node:child_process');
      const opener = process.platform === 'darwin' ? 'open' : 'xdg-open';
      const child = spawn(opener, [file], { detached: true, stdio: 'ignore' });
      child.on('error', () => process.stderr.write(`could not run ${opener}; open ${file} in a browser\n`));
      child.unref();
    });
}
