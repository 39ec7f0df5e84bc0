/** Fitting text into a number of terminal columns (one column per code point). */

const columns = (s: string) => [...s];

/** Cuts `s` to `width` columns, marking a cut with …. */
export function fit(s: string, width: number): string {
  if (width <= 0) return '';
  const c = columns(s);
  if (c.length <= width) return s;
  return width === 1 ? '…' : c.slice(0, width - 1).join('') + '…';
}

/** Exactly `width` columns: tabs and line breaks as spaces, cut with … or padded with spaces. */
export function fitPadded(s: string, width: number): string {
  const flat = fit(s.replace(/[\t\r\n]/g, ' '), width);
  return flat + ' '.repeat(Math.max(0, width - columns(flat).length));
}
