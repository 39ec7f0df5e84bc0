/**
 * The scaffold every supervisor process shares: `orchestrator run`, ha's control process, the
 * keep-alive monitor and the tmux control pane. It claims the process's singleton seat (when it
 * has one), turns the first SIGINT, SIGTERM or SIGHUP into the mode's wind-down (a repeat does
 * nothing: a hangup can arrive twice, from the terminal and from tmux), and on the way out stops
 * the monitor, sends the alerts still due, stops listening and releases the seat, in that order.
 */
import type { StateLock } from '../../state/lock.js';
import { claimSeat, releaseSeat, type Holder, type Seat } from './seats.js';

export const SHUTDOWN_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** What a mode's monitor offers the wind-down (KeepAlive; a SeatKeeper has no alerts to flush). */
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
    private readonly seat: Seat | undefined,
  ) {}

  /** Claims `seat` (if any) for this process; when another live process holds it, that holder. */
  static async start(o: { stateDir: string; lock: StateLock; seat?: Seat }): Promise<{ ok: true; process: SupervisorProcess } | { ok: false; holder: Holder }> {
    if (o.seat) {
      const claim = await claimSeat(o.stateDir, o.lock, o.seat);
      if (!claim.ok) return claim;
    }
    return { ok: true, process: new SupervisorProcess(o.stateDir, o.seat) };
  }

  /** A supervisor with no singleton seat (the tmux control pane: its session is the singleton). */
  static withoutSeat(): SupervisorProcess {
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

  /** The way out: the monitors stopped, alerts flushed, signals no longer handled, the seat released. */
  async close(...monitors: Array<Winding | undefined>): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const m of monitors) m?.stop();
    for (const m of monitors) await m?.flushAlerts?.();
    if (this.handler) for (const sig of SHUTDOWN_SIGNALS) process.off(sig, this.handler);
    if (this.seat) releaseSeat(this.stateDir, this.seat);
  }
}
