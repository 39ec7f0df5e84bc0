/**
 * Where keep-alive alerts go besides the state: a line in logs/keep_alive.log and, when the
 * plan sets `alert_command`, that command (in the plan's workdir, like the tasks) with the alert
 * as one JSON object on stdin. The command runs in its own process group and gets a bounded
 * time (then the whole group is killed); its failure is logged, never fatal.
 */
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { appendPrivate } from '../../state/private-file.js';
import { resolve } from 'node:path';
import type { RunPaths } from '../run-dir/paths.js';
import type { Command, Plan } from '../core/plan/plan-types.js';
import type { Alert } from '../../state/schema.js';
import { signalGroup } from '../../workers/os/process-groups.js';
import { commandArgv } from '../../workers/os/simple-command.js';

export const ALERT_COMMAND_TIMEOUT_MS = 10_000;

export function alertLine(a: Alert): string {
  const where = [a.quad !== undefined ? `quad ${a.quad}` : '', a.task ? `task ${a.task}` : ''].filter(Boolean).join(', ');
  return `ALERT ${a.level.toUpperCase()} ${a.kind}${where ? ` [${where}]` : ''}: ${a.message}`;
}

export class AlertSink {
  /** The sink of a run: its keep_alive.log, and the plan's alert_command run in its workdir. */
  static forRun(paths: RunPaths, plan: Plan): AlertSink {
    return new AlertSink(paths.keepAliveLog, plan.alertCommand, resolve(paths.runDir, plan.workdir));
  }

  constructor(
    private logFile: string,
    private command?: Command,
    private cwd?: string,
    private timeoutMs = ALERT_COMMAND_TIMEOUT_MS,
  ) {}

  log(line: string): void {
    try {
      appendPrivate(this.logFile, `${new Date().toISOString()} ${line}\n`);
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
    const [file, args] = commandArgv(this.command!);
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
        if (child.pid) signalGroup(child.pid, 'SIGKILL');
      }, this.timeoutMs);
      child.on('error', (e) => done(`could not run: ${e.message}`));
      child.stderr?.on('data', (c: Buffer) => {
        if (stderr.length < 300) stderr += c.toString('utf8');
      });
      child.stdin?.on('error', () => undefined);
      child.stdin?.end(input);
      // 'exit', not 'close': a background grandchild holding stderr must not keep us waiting.
      child.on('exit', (code, signal) => {
        if (child.pid) signalGroup(child.pid, 'SIGKILL');
        const tail = stderr.trim().slice(0, 300);
        if (timedOut) done(`timed out after ${this.timeoutMs} ms and was killed`);
        else if (code !== 0) done(`failed (${code !== null ? `exit ${code}` : signal})${tail ? `: ${tail}` : ''}`);
        else done(undefined);
      });
    });
  }
}
