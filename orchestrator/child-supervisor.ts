/**
 * Worker groups as child processes (single-terminal and high-availability modes). Groups
 * started by an earlier monitor are adopted by pid, so a restarted monitor takes over
 * without disturbing them.
 */
import type { ChildProcess } from 'node:child_process';
import { spawnWorker } from './worker-process.js';
import type { GroupSupervisor } from './keep-alive.js';

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class ChildSupervisor implements GroupSupervisor {
  private children = new Map<number, ChildProcess>();
  private adopted = new Map<number, number>();

  constructor(private runDir: string, private onExit: (quad: number) => void = () => undefined, private stdio: 'ignore' | 'inherit' = 'ignore') {}

  adopt(quad: number, pid: number): void {
    this.adopted.set(quad, pid);
  }

  pid(quad: number): number | undefined {
    return this.children.get(quad)?.pid ?? this.adopted.get(quad);
  }

  alive(quad: number): boolean {
    const c = this.children.get(quad);
    if (c) return c.exitCode === null && c.signalCode === null;
    const pid = this.adopted.get(quad);
    return pid !== undefined && pidAlive(pid);
  }

  async start(quad: number): Promise<number | undefined> {
    this.adopted.delete(quad);
    const child = spawnWorker(this.runDir, quad, this.stdio);
    this.children.set(quad, child);
    child.once('exit', () => this.onExit(quad));
    return child.pid;
  }

  /** Ends a group for good (hung or being replaced): SIGKILL, its task trees are reaped by lease expiry. */
  async kill(quad: number): Promise<void> {
    const pid = this.pid(quad);
    if (pid === undefined || !this.alive(quad)) return;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      return;
    }
    for (let i = 0; i < 100 && this.alive(quad); i++) await new Promise((r) => setTimeout(r, 20));
  }

  /** Asks every live group to stop (they hand their tasks back), SIGKILL after `graceMs`. */
  async stopAll(graceMs = 5000): Promise<void> {
    const quads = [...new Set([...this.children.keys(), ...this.adopted.keys()])].filter((q) => this.alive(q));
    for (const q of quads) process.kill(this.pid(q)!, 'SIGTERM');
    const deadline = Date.now() + graceMs;
    while (quads.some((q) => this.alive(q)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    for (const q of quads) if (this.alive(q)) process.kill(this.pid(q)!, 'SIGKILL');
  }

  anyAlive(): boolean {
    return [...new Set([...this.children.keys(), ...this.adopted.keys()])].some((q) => this.alive(q));
  }
}
