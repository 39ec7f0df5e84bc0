/**
 * Positions for plan problems from js-yaml, for plans too large for the full `yaml` parser
 * (which costs about 100 µs and several KB per task: a 100 000-task plan with one error took
 * 37 s and 743 MB). js-yaml reports every node it composes (open: where it starts, close: its
 * value); the spans of collections and their children are kept, so a problem's path (tasks[i],
 * a field, needs[k]) leads to a line and column. Only the error path pays for this.
 */
import type { PlanProblem } from '../errors.js';
import { fieldName, type Path } from './plan-locate.js';

interface Span {
  start: number;
  kids: Span[];
  /** The collection composed here (scalars keep nothing). */
  obj?: object;
}

const NO_KIDS: Span[] = [];

export class YamlSpans {
  private stack: Span[] = [];
  private root?: Span;

  /** js-yaml's `listener` option. */
  readonly listener = (ev: string, st: { position: number; result: unknown }): void => {
    if (ev === 'open') {
      this.stack.push({ start: st.position, kids: [] });
      return;
    }
    let s = this.stack.pop();
    if (!s) return;
    if (st.result === null || typeof st.result !== 'object') s.kids = NO_KIDS;
    else {
      s.obj = st.result;
      // js-yaml composes a flow collection inside a block entry twice (the entry, then the
      // collection): one span for both.
      if (s.kids.length === 1 && s.kids[0]!.obj === st.result) s = s.kids[0]!;
    }
    const parent = this.stack[this.stack.length - 1];
    if (parent) parent.kids.push(s);
    else this.root = s;
  };

  locator(text: string, file: string, raw: unknown): SpanLocator {
    return new SpanLocator(text, file, raw, this.root);
  }
}

export class SpanLocator {
  private lineStarts?: number[];

  constructor(private text: string, readonly file: string, private raw: unknown, private root: Span | undefined) {}

  at(path: Path, message: string, onKey = false): PlanProblem {
    const offset = this.offset(path, onKey);
    return { file: this.file, ...(offset === undefined ? {} : this.linePos(offset)), ...this.context(path), message };
  }

  lineOf(path: Path): number | undefined {
    const offset = this.offset(path, false);
    return offset === undefined ? undefined : this.linePos(offset).line;
  }

  private offset(path: Path, onKey: boolean): number | undefined {
    let span = this.root;
    let val = this.raw;
    let keySpan: Span | undefined;
    for (const seg of path) {
      if (!span) break;
      if (Array.isArray(val) && typeof seg === 'number' && span.kids.length === val.length && seg < val.length) {
        span = span.kids[seg];
        val = val[seg] as unknown;
        keySpan = undefined;
      } else if (val !== null && typeof val === 'object' && !Array.isArray(val)) {
        const keys = Object.keys(val);
        const i = keys.indexOf(String(seg));
        // Key and value alternate among the children when every value was written out.
        if (i < 0 || span.kids.length !== 2 * keys.length) break;
        keySpan = span.kids[2 * i];
        span = span.kids[2 * i + 1];
        val = (val as Record<string, unknown>)[String(seg)];
      } else break;
    }
    const target = (onKey && keySpan) || span;
    return target === undefined ? undefined : this.skipSpace(target.start);
  }

  private skipSpace(i: number): number {
    const t = this.text;
    while (i < t.length && (t[i] === ' ' || t[i] === '\t' || t[i] === '\n' || t[i] === '\r')) i++;
    return i;
  }

  private linePos(offset: number): { line: number; col: number } {
    const starts = (this.lineStarts ??= lineStarts(this.text));
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, col: offset - starts[lo]! + 1 };
  }

  private context(path: Path): Pick<PlanProblem, 'task' | 'agent' | 'field'> {
    const [top, i, ...rest] = path;
    if ((top === 'tasks' || top === 'agents') && typeof i === 'number') {
      const list = (this.raw as Record<string, unknown> | null)?.[top];
      const item = Array.isArray(list) ? (list[i] as Record<string, unknown> | undefined) : undefined;
      const id = item && typeof item === 'object' ? item[top === 'tasks' ? 'id' : 'name'] : undefined;
      const label = typeof id === 'string' || typeof id === 'number' ? String(id) : `#${i + 1}`;
      const who = top === 'tasks' ? { task: label } : { agent: label };
      return rest.length ? { ...who, field: fieldName(rest) } : who;
    }
    return path.length ? { field: fieldName(path) } : {};
  }
}

function lineStarts(text: string): number[] {
  const out = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) out.push(i + 1);
  return out;
}
