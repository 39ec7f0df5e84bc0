/**
 * Where keep-alive alerts go besides the state: a line in logs/keep_alive.log and, when the
 * plan sets `alert_command`, that command with the alert as one JSON object on stdin. The
 * command gets a bounded time; its failure is logged, never fatal.
 */
import { appendFileSync } from 'node:fs';
import { execa } from 'execa';
import type { Command } from './plan-types.js';
import type { Alert } from '../state/schema.js';

export const ALERT_COMMAND_TIMEOUT_MS = 10_000;

export class AlertSink {
  constructor(private logFile: string, private command?: Command, private cwd?: string) {}

  log(line: string): void {
    appendFileSync(this.logFile, `${new Date().toISOString()} ${line}\n`, { mode: 0o600 });
  }

  async send(alert: Alert): Promise<void> {
    this.log(`ALERT ${alert.level} ${alert.kind}: ${alert.message}`);
    if (!this.command) return;
    const [file, args] = typeof this.command === 'string' ? ['/bin/sh', ['-c', this.command]] : [this.command[0]!, this.command.slice(1)];
    try {
      const r = await execa(file, args, { input: JSON.stringify(alert) + '\n', timeout: ALERT_COMMAND_TIMEOUT_MS, reject: false, cwd: this.cwd, stdout: 'ignore', stderr: 'pipe' });
      if (r.exitCode !== 0) this.log(`alert_command failed (${r.timedOut ? 'timed out' : `exit ${r.exitCode ?? r.signal}`}): ${String(r.stderr).slice(0, 300)}`);
    } catch (e) {
      this.log(`alert_command could not run: ${(e as Error).message}`);
    }
  }
}
