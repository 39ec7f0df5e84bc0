/**
 * A typed door to blessed-contrib: only the widgets and members the dashboard uses, so the
 * rest of the code is checked by the compiler instead of trusting the package's loose typings.
 */
import { createRequire } from 'node:module';
import type { Widgets } from 'blessed';

export interface TableData {
  headers: string[];
  data: string[][];
}

export interface TableWidget extends Widgets.BoxElement {
  /** The list inside the table: selection lives here. */
  rows: Widgets.ListElement & { selected: number };
  setData(d: TableData): void;
}

export interface GaugeWidget extends Widgets.BoxElement {
  setPercent(percent: number): void;
}

export interface BarData {
  titles: string[];
  data: number[];
}

export interface BarWidget extends Widgets.BoxElement {
  setData(d: BarData): void;
}

export interface LineSeries {
  title: string;
  x: string[];
  y: number[];
  style?: { line: string };
}

export interface LineWidget extends Widgets.BoxElement {
  setData(series: LineSeries[]): void;
}

type Factory<T> = (options: Record<string, unknown>) => T;

interface Contrib {
  table: Factory<TableWidget>;
  gauge: Factory<GaugeWidget>;
  bar: Factory<BarWidget>;
  line: Factory<LineWidget>;
}

const require = createRequire(import.meta.url);
export const contrib = require('blessed-contrib') as Contrib;
