/**
 * Forwards the alerts of the state — raised by the monitor itself, by workers (a task failed
 * for good) or by recovery — to the alert sink, in order, each once. The last forwarded alert
 * is remembered in the state directory, so a restarted monitor carries on where the last one
 * stopped (a crash between sending and remembering repeats one alert rather than losing it).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../state/atomic-write.js';
import type { Alert } from '../../state/schema.js';
import type { AlertSink } from './alert-sink.js';

const key = (a: Alert) => JSON.stringify([a.at, a.level, a.kind, a.message, a.quad ?? null, a.task ?? null]);

/** The alerts after `last` (all of them when `last` is unknown or no longer in the list). */
export function alertsAfter(alerts: readonly Alert[], last: Alert | undefined): Alert[] {
  if (!last) return [...alerts];
  const k = key(last);
  for (let i = alerts.length - 1; i >= 0; i--) if (key(alerts[i]!) === k) return alerts.slice(i + 1);
  return [...alerts];
}

export class AlertForwarder {
  private busy?: Promise<void>;
  private last: Alert | undefined;

  constructor(private sink: AlertSink, private cursorFile?: string) {
    if (cursorFile && existsSync(cursorFile)) {
      try {
        this.last = JSON.parse(readFileSync(cursorFile, 'utf8')) as Alert;
      } catch {
        this.last = undefined;
      }
    }
  }

  static forStateDir(sink: AlertSink, stateDir: string): AlertForwarder {
    return new AlertForwarder(sink, join(stateDir, 'alerts.sent'));
  }

  /** Starts forwarding what is new in `alerts`, unless a batch is still being sent. */
  pump(alerts: readonly Alert[]): void {
    if (this.busy) return;
    const fresh = alertsAfter(alerts, this.last);
    if (!fresh.length) return;
    this.busy = this.sendAll(fresh).finally(() => (this.busy = undefined));
  }

  /** Resolves once the batch in flight (if any) has been sent. */
  async drain(): Promise<void> {
    while (this.busy) await this.busy;
  }

  private async sendAll(alerts: Alert[]): Promise<void> {
    for (const a of alerts) {
      await this.sink.send(a);
      this.last = a;
      if (this.cursorFile) {
        try {
          writeFileAtomic(this.cursorFile, JSON.stringify(a));
        } catch (e) {
          this.sink.log(`cannot remember the last alert sent: ${(e as Error).message}`);
        }
      }
    }
  }
}
