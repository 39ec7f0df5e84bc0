/** The one plain-text table: the CLI's reports, `orchestrator status` and the benchmark's summary. */

export type Align = 'left' | 'right';

/**
 * A header, a rule of dashes and the rows, columns two spaces apart. Columns are left-aligned
 * unless `align` says right; a left-aligned last column is not padded (no trailing blanks).
 */
export function table(rows: readonly (readonly string[])[], header: readonly string[], align: readonly Align[] = []): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const cell = (c: string, i: number, last: boolean) => (align[i] === 'right' ? c.padStart(widths[i]!) : last ? c : c.padEnd(widths[i]!));
  const line = (r: readonly string[]) => r.map((c, i) => cell(c, i, i === r.length - 1)).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}
