/**
 * The scaffold every supervisor process shares: `orchestrator run`, ha's control process, the
 * keep-alive monitor and the tmux control pane. It claims the process's singleton role (when it
 * has one), turns the first SIGINT, SIGTERM or SIGHUP into the mode's wind-down (a repeat does
 * nothing: a hangup can arrive twice, from the terminal and from tmux), and on the way out stops
 * the monitor, sends the alerts still due, stops listening and releases the role, in that order.
 */
import type { StateLock } from '../../state/lock.js';
import { claimRole, releaseRole, type Holder, type Role } from './roles.js';

export const SHUTDOWN_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** What a mode's monitor offers the wind-down (KeepAlive; a RoleKeeper has no alerts to flush). */
export interface Winding {
  stop(): void;
  flushAlerts?(): Promise<void>;
}

export class SupervisorProcess {
  private handler?: (sig: NodeJS.Signals) => void;
  private signalled?: NodeJS.Signals;
  private closed = false;

  private constructor(
    private readonly stateDir: string,
    private readonly role: Role | undefined,
  ) {}

  /** Claims `role` (if any) for this process; when another live process holds it, that holder. */
  static async start(o: { stateDir: string; lock: StateLock; role?: Role }): Promise<{ ok: true; process: SupervisorProcess } | { ok: false; holder: Holder }> {
    if (o.role) {
      const claim = await claimRole(o.stateDir, o.lock, o.role);
      if (!claim.ok) return claim;
    }
    return { ok: true, process: new SupervisorProcess(o.stateDir, o.role) };
  }

  /** A supervisor with no singleton role (the tmux control pane: its session is the singleton). */
  static withoutRole(): SupervisorProcess {
    return new SupervisorProcess('', undefined);
  }

  /** The first shutdown signal received, if any. */
  get signal(): NodeJS.Signals | undefined {
    return this.signalled;
  }

  /** `windDown` runs once, on the first shutdown signal. */
  onShutdown(windDown: (sig: NodeJS.Signals) => void): void {
    this.handler = (sig) => {
      if (this.signalled) return;
      this.signalled = sig;
      windDown(sig);
    };
    for (const sig of SHUTDOWN_SIGNALS) process.on(sig, this.handler);
  }

  /** The way out: the monitors stopped, alerts flushed, signals no longer handled, the role released. */
  async close(...monitors: Array<Winding | undefined>): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const m of monitors) m?.stop();
    for (const m of monitors) await m?.flushAlerts?.();
    if (this.handler) for (const sig of SHUTDOWN_SIGNALS) process.off(sig, this.handler);
    if (this.role) releaseRole(this.stateDir, this.role);
  }
}
