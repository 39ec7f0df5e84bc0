/** The live bottom line of single-terminal mode on a TTY: a bar, counts, elapsed time. */
import { formatDuration } from './duration.js';
import type { Plan } from '../plan/plan-types.js';
import { counts } from './report.js';
import type { State } from '../../../state/schema.js';

/** A text bar `inner` cells wide, filled to `fraction` (0..1): [█████░░░░░] */
export function textBar(fraction: number, inner: number): string {
  const fill = Math.round(Math.max(0, Math.min(1, fraction)) * inner);
  return `[${'█'.repeat(fill)}${'░'.repeat(inner - fill)}]`;
}

export function progressText(s: State, width: number, now = Date.now()): string {
  const c = counts(s);
  const total = Object.keys(s.tasks).length || 1;
  const label = ` ${c.done}/${total} done · ${c.running} running · ${c.ready} ready${c.failed ? ` · ${c.failed} failed` : ''}${c.blocked ? ` · ${c.blocked} blocked` : ''} · ${formatDuration(now - s.meta.startedAt)}`;
  const barW = Math.max(10, Math.min(40, width - label.length - 3));
  return `${textBar(c.done / total, barW)}${label}`.slice(0, width - 1);
}

export class ProgressLine {
  private shown = false;
  constructor(private out: NodeJS.WriteStream) {}

  above(line: string): void {
    this.clear();
    this.out.write(line + '\n');
  }

  draw(s: State, _plan: Plan): void {
    this.out.write(`\r\x1b[K${progressText(s, this.out.columns || 80)}`);
    this.shown = true;
  }

  clear(): void {
    if (this.shown) this.out.write('\r\x1b[K');
    this.shown = false;
  }
}
