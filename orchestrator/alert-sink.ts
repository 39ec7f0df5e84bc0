/**
 * Where keep-alive alerts go besides the state: a line in logs/keep_alive.log and, when the
 * plan sets `alert_command`, that command (in the plan's workdir, like the tasks) with the alert
 * as one JSON object on stdin. The command runs in its own process group and gets a bounded
 * time (then the whole group is killed); its failure is logged, never fatal.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync } from 'node:fs';
import type { Command } from './plan-types.js';
import type { Alert } from '../state/schema.js';

export const ALERT_COMMAND_TIMEOUT_MS = 10_000;

export function alertLine(a: Alert): string {
  const where = [a.quad !== undefined ? `quad ${a.quad}` : '', a.task ? `task ${a.task}` : ''].filter(Boolean).join(', ');
  return `ALERT ${a.level.toUpperCase()} ${a.kind}${where ? ` [${where}]` : ''}: ${a.message}`;
}

function killGroup(pid: number | undefined): void {
  if (!pid) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Gone already.
  }
}

export class AlertSink {
  constructor(
    private logFile: string,
    private command?: Command,
    private cwd?: string,
    private timeoutMs = ALERT_COMMAND_TIMEOUT_MS,
  ) {}

  log(line: string): void {
    try {
      appendFileSync(this.logFile, `${new Date().toISOString()} ${line}\n`, { mode: 0o600 });
    } catch {
      // The log is a convenience; the monitor must keep going without it.
    }
  }

  /** Logs the alert and runs the alert command; resolves when the command is done or timed out. Never rejects. */
  async send(alert: Alert): Promise<void> {
    this.log(alertLine(alert));
    if (!this.command) return;
    const outcome = await this.runCommand(JSON.stringify(alert) + '\n');
    if (outcome) this.log(`alert_command ${outcome} (alert ${alert.kind})`);
  }

  /** Runs the command with `input` on stdin; returns a description of what went wrong, if anything. */
  private runCommand(input: string): Promise<string | undefined> {
    const [file, args] = typeof this.command === 'string' ? ['/bin/sh', ['-c', this.command]] : [this.command![0]!, this.command!.slice(1)];
    return new Promise((resolve) => {
      let stderr = '';
      let timedOut = false;
      let settled = false;
      const done = (why: string | undefined) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(why);
      };
      let child: ReturnType<typeof spawn>;
      try {
        // Like the plan's tasks, the command runs in the workdir, which may not exist yet.
        if (this.cwd) mkdirSync(this.cwd, { recursive: true });
        child = spawn(file, args, { cwd: this.cwd, detached: true, stdio: ['pipe', 'ignore', 'pipe'] });
      } catch (e) {
        resolve(`could not run: ${(e as Error).message}`);
        return;
      }
      const timer = setTimeout(() => {
        timedOut = true;
        killGroup(child.pid);
      }, this.timeoutMs);
      child.on('error', (e) => done(`could not run: ${e.message}`));
      child.stderr?.on('data', (c: Buffer) => {
        if (stderr.length < 300) stderr += c.toString('utf8');
      });
      child.stdin?.on('error', () => undefined);
      child.stdin?.end(input);
      // 'exit', not 'close': a background grandchild holding stderr must not keep us waiting.
      child.on('exit', (code, signal) => {
        killGroup(child.pid);
        const tail = stderr.trim().slice(0, 300);
        if (timedOut) done(`timed out after ${this.timeoutMs} ms and was killed`);
        else if (code !== 0) done(`failed (${code !== null ? `exit ${code}` : signal})${tail ? `: ${tail}` : ''}`);
        else done(undefined);
      });
    });
  }
}
