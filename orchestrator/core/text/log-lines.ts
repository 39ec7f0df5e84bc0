/**
 * The run's logs as `orchestrator logs` shows them (pure): agent and orchestrator log lines
 * start with an ISO time; all of them interleave by that time, each labelled with its source.
 */
export interface SourcedLine {
  ts: string;
  source: string;
  text: string;
}

const STAMP = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z) ?(.*)$/;

/** The lines of one log; a line without a time (a continuation) takes the previous line's. */
export function sourcedLines(source: string, text: string): SourcedLine[] {
  const out: SourcedLine[] = [];
  let last = '';
  for (const line of text.split('\n')) {
    if (!line) continue;
    const m = STAMP.exec(line);
    if (m) last = m[1]!;
    out.push({ ts: last, source, text: m ? m[2]! : line });
  }
  return out;
}

/** All sources' lines in time order (stable: a source's own order is kept within one time). */
export function interleave(sources: SourcedLine[][]): SourcedLine[] {
  return sources.flat().map((l, i) => ({ l, i })).sort((a, b) => (a.l.ts < b.l.ts ? -1 : a.l.ts > b.l.ts ? 1 : a.i - b.i)).map(({ l }) => l);
}

/** `HH:MM:SS.mmm source  text`, the source padded to `width`. */
export function formatLine(l: SourcedLine, width: number): { time: string; source: string; text: string } {
  return { time: l.ts ? l.ts.slice(11, 23) : ''.padEnd(12), source: l.source.padEnd(width), text: l.text };
}
