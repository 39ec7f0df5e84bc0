/**
 * Whether a worker group's supervisor is gone for good: nobody would restart the group, stop it
 * or end the run, so it stops claiming and ends its tasks instead of running on unsupervised.
 *
 * The supervisor is named by the marker its starter put in the environment (worker-process.ts):
 * a process (`pid:start`: the run, or the keep-alive monitor, that spawned a child worker), or
 * the run's control seat (a tmux pane worker: the session's control pane). Either way, a live
 * keep-alive monitor or control process is a successor. A control pane is respawned with a new
 * pid and starts after the quad panes, so a pane worker follows the seat, not a pid, and waits
 * longer: until it has seen its first control process, and for a respawn to take the role.
 */
import { liveHolder } from '../orchestrator/supervisors/seats.js';
import { LEASE_MS } from '../orchestrator/core/run/transitions.js';
import type { SupervisorMark } from '../orchestrator/supervisors/worker-process.js';
import { stillRunning } from './os/process-tree.js';

/**
 * How long a child worker's supervisor may be gone with no successor (a high-availability
 * control process starts a new monitor, however long that takes on a loaded machine). Short
 * enough that its tasks end within a lease.
 */
export const SUPERVISOR_GRACE_MS = LEASE_MS / 2;
/** The same for a pane worker: a respawned control pane (a full CLI start) takes the seat in this time. */
export const CONTROL_GRACE_MS = LEASE_MS * 1.5;
/** A pane worker that has not seen a control process yet (its pane starts first) waits this long from its own start. */
export const CONTROL_START_GRACE_MS = 60_000;

export class SupervisorWatch {
  private goneAt?: number;
  private seenControl = false;

  constructor(private stateDir: string, readonly mark: SupervisorMark | undefined, private startedAt = Date.now()) {}

  /** True once the supervisor has been gone for its grace with no successor. */
  orphaned(now = Date.now()): boolean {
    const m = this.mark;
    if (!m) return false;
    const control = !!liveHolder(this.stateDir, 'control');
    if (control) this.seenControl = true;
    if (control || ('pid' in m && stillRunning(m)) || liveHolder(this.stateDir, 'keep-alive')) {
      this.goneAt = undefined;
      return false;
    }
    if ('pid' in m) {
      this.goneAt ??= now;
      return now - this.goneAt >= SUPERVISOR_GRACE_MS;
    }
    if (!this.seenControl) return now - this.startedAt >= CONTROL_START_GRACE_MS;
    this.goneAt ??= now;
    return now - this.goneAt >= CONTROL_GRACE_MS;
  }

  /** The supervisor in words, for the group's log. */
  describe(): string {
    const m = this.mark;
    return !m || 'seat' in m ? "the session's control process" : `the supervisor that started this group (pid ${m.pid})`;
  }
}
