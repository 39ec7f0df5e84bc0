/**
 * Finds the processes a worker group's tasks left behind outside their process groups
 * (`setsid cmd &`, a double fork: they keep the task's environment, not its group) and ends
 * them. A process is this group's when its environment names the run and one of the group's
 * agents; it is a leftover when the attempt it names (task, agent, attempt) is not running.
 *
 * Cost: the environment of every process is read once (a few ms for a few hundred); a process
 * found not to be ours is remembered by pid (for a minute: pids are reused) and not read
 * again, so a sweep after a burst of finished tasks reads only the processes new since the
 * last one.
 */
import { readdirSync } from 'node:fs';
import { environ, HAS_PROC, killNow, readProc, type Proc } from './process-tree.js';

export type Marker = (env: Map<string, string>) => 'active' | 'leftover' | 'foreign';

/** How long a pid found foreign is trusted to stay so (pids are reused, slowly). */
const FORGET_MS = 60_000;

export class StraySweeper {
  /** Pids of processes known not to be ours (their environment never changes). */
  private foreign = new Set<number>();
  private forgetAt = 0;

  constructor(private classify: Marker) {}

  /** Ends the leftovers now (SIGKILL, with what they lead); returns how many were found. `full`: re-read every process. */
  sweep(full = false): number {
    if (!HAS_PROC) return 0;
    if (full || Date.now() > this.forgetAt) {
      this.foreign.clear();
      this.forgetAt = Date.now() + FORGET_MS;
    }
    const leftovers: Proc[] = [];
    const seen = new Set<number>();
    for (const name of readdirSync('/proc')) {
      if (name.charCodeAt(0) > 57) continue; // not a pid (digits come before letters)
      const pid = Number(name);
      if (!Number.isInteger(pid) || pid === process.pid) continue;
      seen.add(pid);
      if (this.foreign.has(pid)) continue;
      const verdict = this.classify(environ(pid));
      if (verdict === 'foreign') this.foreign.add(pid);
      else if (verdict === 'leftover') {
        const p = readProc(pid, 0);
        if (p && !p.zombie) leftovers.push(p);
      }
    }
    for (const pid of this.foreign) if (!seen.has(pid)) this.foreign.delete(pid);
    if (leftovers.length) killNow(leftovers);
    return leftovers.length;
  }
}
