/**
 * Where each panel goes for a terminal size, as cells of a grid with one row per line and one
 * column per character (so nothing is rounded away). Bands are placed by priority — the agents
 * table and the gauge always, then the timeline, the metrics charts, the log — and a band that
 * does not fit collapses. Pure, so every size can be checked without a terminal.
 */

export type PanelName = 'table' | 'gauge' | 'counts' | 'quads' | 'timeline' | 'cpu' | 'mem' | 'gpu' | 'detail' | 'log';

export interface Placement {
  name: PanelName;
  row: number;
  col: number;
  rowSpan: number;
  colSpan: number;
}

export interface LayoutInput {
  /** Terminal size; the last line is the status line, outside the grid. */
  width: number;
  height: number;
  agents: number;
  gpu: boolean;
}

export interface Layout {
  /** Grid size: rows = lines above the status line, cols = characters. */
  rows: number;
  cols: number;
  wide: boolean;
  panels: Placement[];
}

export const GAUGE_H = 6;

/** Columns inside the agents table: its width less the borders and the selection bar's column. */
export const tableInner = (p: Pick<Placement, 'colSpan'>): number => Math.max(10, p.colSpan - 3);
/** Below this a line chart is unreadable. */
export const CHART_MIN_H = 8;
/** Width from which the table shares the top band with the gauge column. */
export const WIDE_W = 110;

/** Splits `width` columns starting at `col` into parts proportional to `weights`. */
function split(col: number, width: number, weights: number[]): Array<[number, number]> {
  const total = weights.reduce((a, b) => a + b, 0);
  const out: Array<[number, number]> = [];
  let at = col;
  let sum = 0;
  for (const w of weights) {
    sum += w;
    const end = col + Math.round((width * sum) / total);
    out.push([at, end - at]);
    at = end;
  }
  return out;
}

export function planLayout(o: LayoutInput): Layout {
  const rows = Math.max(1, o.height - 1);
  const cols = Math.max(1, o.width);
  const wide = cols >= WIDE_W;
  const tableH = o.agents + 4; // borders, header, blank line under it
  const timelineH = o.agents + 3; // borders, axis
  const charts: PanelName[] = o.gpu ? ['cpu', 'mem', 'gpu'] : ['cpu', 'mem'];
  const panels: Placement[] = [];
  const put = (name: PanelName, row: number, col: number, rowSpan: number, colSpan: number) => {
    if (rowSpan > 0 && colSpan > 0) panels.push({ name, row, col, rowSpan, colSpan });
  };
  const leftW = wide ? Math.round(cols * 0.6) : cols;

  // Top band: the table, and the gauge with counts (beside it when wide, under it otherwise).
  let topH: number;
  if (wide) {
    const rightMin = GAUGE_H + 4 + CHART_MIN_H;
    topH = Math.min(rows, Math.max(tableH, rightMin));
    const rest = rows - topH;
    const needMiddle = timelineH;
    // Surplus (both other bands fit): a quarter goes to the top band (the detail box under the table).
    const surplus = rest - needMiddle - 6;
    if (surplus > 0) topH += Math.floor(surplus / 4);
  } else {
    topH = Math.min(rows, tableH + GAUGE_H);
  }
  // Narrow and short (a control pane of an 80x24 quad session): the agents come first; the
  // gauge only when it still gets 3 lines (the status line shows progress anyway).
  const gaugeRoom = rows - tableH;
  if (wide) {
    // The table keeps its natural height when a detail box fits under it, else takes the band.
    const tH = topH - Math.min(topH, tableH) >= 4 ? tableH : topH;
    put('table', 0, 0, tH, leftW);
    put('detail', tH, 0, topH - tH, leftW);
    const rw = cols - leftW;
    const gH = Math.min(GAUGE_H, topH);
    put('gauge', 0, leftW, gH, rw);
    const left = topH - gH;
    if (left >= 4 + CHART_MIN_H) {
      put('counts', gH, leftW, 4, rw);
      put('quads', gH + 4, leftW, left - 4, rw);
    } else put('counts', gH, leftW, left, rw);
  } else {
    const gH = gaugeRoom >= GAUGE_H ? GAUGE_H : gaugeRoom >= 3 ? gaugeRoom : 0;
    const tH = topH - gH;
    put('table', 0, 0, tH, cols);
    if (cols >= 60) {
      const [[c0, w0], [c1, w1]] = split(0, cols, [1, 1]) as [[number, number], [number, number]];
      put('gauge', tH, c0, gH, w0);
      put('counts', tH, c1, gH, w1);
    } else put('gauge', tH, 0, gH, cols);
  }

  // Then the timeline; when wide, the metrics charts sit beside it.
  let row = topH;
  let rest = rows - row;
  let chartsPlaced = false;
  if (rest >= timelineH) {
    // Spare lines (beyond a 6-line bottom band) mostly go to the timeline and the charts.
    const spare = rest - timelineH - 6;
    const h = timelineH + (wide && spare > 0 ? Math.floor((spare * 3) / 5) : 0);
    if (wide && h >= CHART_MIN_H) {
      put('timeline', row, 0, h, leftW);
      split(leftW, cols - leftW, charts.map(() => 1)).forEach(([c, w], i) => put(charts[i]!, row, c, h, w));
      chartsPlaced = true;
    } else put('timeline', row, 0, h, cols);
    row += h;
    rest = rows - row;
  }

  // Last band: the metrics (if not placed yet) with the log, or the detail and the log.
  if (!chartsPlaced && rest >= CHART_MIN_H) {
    const weights = [...charts.map(() => 2), 3];
    split(0, cols, weights).forEach(([c, w], i) => put(i < charts.length ? charts[i]! : 'log', row, c, rest, w));
  } else if (rest >= 3) {
    if (wide && !panels.some((p) => p.name === 'detail')) {
      put('detail', row, 0, rest, leftW);
      put('log', row, leftW, rest, cols - leftW);
    } else put('log', row, 0, rest, cols);
  }
  return { rows, cols, wide, panels };
}
