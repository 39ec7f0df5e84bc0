/**
 * Worker groups as child processes (single-terminal and high-availability modes). Groups
 * started by an earlier monitor are adopted by pid (from the state, or found in /proc by their
 * command line), so a restarted monitor takes over without disturbing them. Killing a group
 * ends its whole tree; before a restart, whatever its tasks left behind is swept up.
 */
import type { ChildProcess } from 'node:child_process';
import type { State } from '../../state/schema.js';
import { endStrayTasks, isRunWorker, isWorkerCommand, spawnWorker } from './worker-process.js';
import type { GroupSupervisor } from './keep-alive.js';
import { cmdline, descendants, endProcesses, killNow, pidAlive, readProcTable } from '../../workers/os/process-tree.js';

/** How often adopted (not child) worker pids are checked. */
export const ADOPTED_POLL_MS = 200;

export class ChildSupervisor implements GroupSupervisor {
  private children = new Map<number, ChildProcess>();
  private adopted = new Map<number, number>();
  /** Adopted processes seen dead (their pid, for messages). */
  private dead = new Map<number, number>();
  private adoptWatch?: NodeJS.Timeout;

  constructor(private runDir: string, private onExit: (quad: number, code?: number) => void = () => undefined, private stdio: 'ignore' | 'inherit' = 'ignore') {}

  adopt(quad: number, pid: number): void {
    this.children.delete(quad);
    this.adopted.set(quad, pid);
    this.watchAdopted();
  }

  /**
   * An adopted process is not our child, so its exit raises no event: poll its pid (a /proc
   * read, cheap) much more often than the monitor's interval, so its death is seen as fast.
   */
  private watchAdopted(): void {
    if (this.adoptWatch) return;
    this.adoptWatch = setInterval(() => {
      for (const [quad, pid] of this.adopted) {
        if (pidAlive(pid)) continue;
        this.adopted.delete(quad);
        this.dead.set(quad, pid);
        this.onExit(quad);
      }
    }, ADOPTED_POLL_MS);
    this.adoptWatch.unref();
  }

  /**
   * Adopts the live worker of each quad: the pid the state records when it is this run's
   * worker for that quad, else one found in /proc. Extra copies of a quad's worker are ended.
   * Returns the quads adopted.
   */
  adoptLive(s: State, quads: readonly number[]): number[] {
    const table = readProcTable();
    // Every live process's command line, read once for all quads.
    const others = [...table.values()].filter((p) => !p.zombie && p.pid !== process.pid).map((p) => ({ pid: p.pid, argv: cmdline(p.pid) }));
    const out: number[] = [];
    for (const q of quads) {
      const recorded = s.groups[String(q)]?.pid;
      const found = others.filter((p) => isWorkerCommand(p.argv, this.runDir, q)).map((p) => p.pid);
      const keep = recorded !== undefined && isRunWorker(recorded, this.runDir, q) ? recorded : found[0];
      if (keep === undefined) continue;
      this.adopt(q, keep);
      out.push(q);
      killNow(descendants(found.filter((pid) => pid !== keep), table));
    }
    return out;
  }

  pid(quad: number): number | undefined {
    return this.children.get(quad)?.pid ?? this.adopted.get(quad) ?? this.dead.get(quad);
  }

  alive(quad: number): boolean {
    const c = this.children.get(quad);
    if (c) return c.exitCode === null && c.signalCode === null && pidAlive(c.pid);
    return pidAlive(this.adopted.get(quad));
  }

  async start(quad: number): Promise<number | undefined> {
    this.adopted.delete(quad);
    this.dead.delete(quad);
    const child = spawnWorker(this.runDir, quad, this.stdio);
    this.children.set(quad, child);
    child.once('exit', (code) => this.onExit(quad, code ?? undefined));
    child.once('error', () => this.onExit(quad));
    return child.pid;
  }

  /** Ends the group's whole process tree now (SIGKILL works on a stopped process too). */
  async kill(quad: number): Promise<void> {
    // Only a process still known alive: a recorded pid of a dead one may have been reused.
    const pid = this.children.get(quad)?.pid ?? this.adopted.get(quad);
    if (pid === undefined || !this.alive(quad)) return;
    await endProcesses(descendants([pid]), { graceMs: 0 });
  }

  /**
   * Ends what an earlier process of this quad left running: task processes of its agents in
   * this run (found by their environment), e.g. an attempt started just before its worker died,
   * whose process group was not yet recorded in the state.
   */
  async sweep(quad: number, agents: readonly string[]): Promise<void> {
    await endStrayTasks(this.runDir, agents, this.alive(quad) ? this.pid(quad) : undefined);
  }

  /** Asks every live group to stop (they hand their tasks back), then kills what is left after `graceMs`. */
  async stopAll(graceMs = 5000): Promise<void> {
    const quads = this.quads().filter((q) => this.alive(q));
    for (const q of quads) {
      try {
        process.kill(this.pid(q)!, 'SIGTERM');
      } catch {
        // Gone meanwhile.
      }
    }
    const deadline = Date.now() + graceMs;
    while (quads.some((q) => this.alive(q)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    for (const q of quads) if (this.alive(q)) await this.kill(q);
  }

  anyAlive(): boolean {
    return this.quads().some((q) => this.alive(q));
  }

  private quads(): number[] {
    return [...new Set([...this.children.keys(), ...this.adopted.keys()])];
  }
}
