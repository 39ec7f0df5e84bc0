/**
 * Checks on a plan's text before any parser sees it, in one linear pass with constant memory:
 * how deeply it nests (flow collections `[ {`, block indentation, `- ` sequences), and, for
 * JSON, how many keys its objects hold. A plan needs a handful of levels (plan > tasks > task >
 * env or needs); the parsers recurse per level, so a hostile file nested thousands deep took
 * minutes and gigabytes, or overflowed the stack, before it was refused. Here it is refused at
 * once. Counting JSON keys lets the caller notice a repeated key, which JSON.parse silently
 * resolves (last one wins) and which must be an error like in YAML.
 *
 * The scan knows quoted strings, comments and block scalars (`|`, `>`), so brackets in a
 * command do not count; in doubt it over-counts, and the limit is far above any real plan.
 */

/** Deeper than any plan needs (about 6) by far, and far below what the parsers' stacks survive. */
export const MAX_PLAN_DEPTH = 64;

export interface TextScan {
  /** The deepest nesting found (stops counting past the limit). */
  depth: number;
  /** Where that depth was first exceeded: 1-based line and column. */
  at?: { line: number; col: number };
  /** JSON only: keys in the text (a string followed by ':'), to compare with the parsed objects' keys. */
  jsonKeys: number;
}

export function scanPlanText(text: string, limit = MAX_PLAN_DEPTH): TextScan {
  const json = /^\s*[{[]/.test(text);
  let flow = 0;
  const blockStack: number[] = [];
  let depth = 0;
  let at: TextScan['at'];
  let jsonKeys = 0;
  let line = 1;
  let lineStart = 0;
  let blockScalarIndent = -1; // inside a block scalar: lines indented more than this are text
  const n = text.length;
  let i = 0;
  const note = (d: number) => {
    if (d > depth) depth = d;
    if (d > limit && !at) at = { line, col: i - lineStart + 1 };
  };
  while (i < n && !at) {
    // At a line start (block context): indentation, block scalars, `- ` entries.
    if (i === lineStart && flow === 0) {
      let j = i;
      while (j < n && text[j] === ' ') j++;
      const indent = j - i;
      const c = text[j];
      const blank = c === undefined || c === '\n' || c === '\r' || c === '#';
      if (blockScalarIndent >= 0) {
        if (blank || indent > blockScalarIndent) {
          i = skipLine(text, j);
          if (i < n) ({ line, lineStart } = { line: line + 1, lineStart: i });
          continue;
        }
        blockScalarIndent = -1;
      }
      if (!blank) {
        while (blockStack.length && blockStack[blockStack.length - 1]! >= indent) blockStack.pop();
        blockStack.push(indent);
        let d = blockStack.length;
        // Compact nested sequences: "- - - x" opens a level per dash.
        let k = j;
        while (text[k] === '-' && (text[k + 1] === ' ' || text[k + 1] === '\n')) {
          d++;
          k += 2;
          while (text[k] === ' ') k++;
        }
        i = k;
        note(d);
        if (at) break;
      } else {
        i = j;
      }
    }
    const c = text[i];
    if (c === undefined) break;
    if (c === '\n') {
      i++;
      line++;
      lineStart = i;
      continue;
    }
    // A quote opens a quoted scalar only where a value or key starts (in YAML "it's" is plain text).
    if ((c === '"' || (c === "'" && !json)) && (json || startsScalar(text, i, lineStart, flow > 0))) {
      const end = skipQuoted(text, i);
      if (end < 0) {
        // Never closed: the parsers will say so; here it is no string, so nothing hides behind it.
        i++;
        continue;
      }
      // Count line breaks inside the string.
      for (let k = i; k < end; k++) {
        if (text[k] === '\n') {
          line++;
          lineStart = k + 1;
        }
      }
      i = end;
      if (json && c === '"') {
        let k = i;
        while (text[k] === ' ' || text[k] === '\t' || text[k] === '\n' || text[k] === '\r') k++;
        if (text[k] === ':') jsonKeys++;
      }
      continue;
    }
    if (c === '#' && !json && (i === lineStart || /\s/.test(text[i - 1] ?? ' '))) {
      i = skipLine(text, i);
      continue;
    }
    const blockDepth = flow === 0 ? blockStack.length : 0;
    if (c === '[' || c === '{') {
      // In block context, only a value (after ': ', '- ', or at the start) opens a collection.
      if (flow > 0 || json || startsValue(text, i, lineStart)) {
        flow++;
        note(blockDepth + flow);
      }
      i++;
      continue;
    }
    if ((c === ']' || c === '}') && flow > 0) {
      flow--;
      i++;
      continue;
    }
    if (flow === 0 && !json && (c === '|' || c === '>') && startsValue(text, i, lineStart) && /^[|>][-+0-9]*\s*(#.*)?$/.test(restOfLine(text, i))) {
      // A block scalar: its lines (indented deeper than this line) are text, not structure.
      let j = lineStart;
      while (text[j] === ' ') j++;
      blockScalarIndent = j - lineStart;
      i = skipLine(text, i);
      continue;
    }
    i++;
  }
  return { depth, at, jsonKeys };
}

function skipLine(text: string, i: number): number {
  const e = text.indexOf('\n', i);
  return e < 0 ? text.length : e + 1;
}

function restOfLine(text: string, i: number): string {
  const e = text.indexOf('\n', i);
  return text.slice(i, e < 0 ? text.length : e).replace(/\r$/, '');
}

/** Whether position i starts a value in block context: after "key: ", "- ", "? " or first on its line. */
function startsValue(text: string, i: number, lineStart: number): boolean {
  let k = i - 1;
  while (k >= lineStart && (text[k] === ' ' || text[k] === '\t')) k--;
  if (k < lineStart) return true;
  const p = text[k];
  return (p === ':' || p === '-' || p === '?') && k < i - 1;
}

/** Whether a quote at i opens a quoted scalar: first on its line or after one of [ { , : - ? and a space or not. */
function startsScalar(text: string, i: number, lineStart: number, inFlow: boolean): boolean {
  let k = i - 1;
  while (k >= lineStart && (text[k] === ' ' || text[k] === '\t')) k--;
  if (k < lineStart) return true;
  const p = text[k]!;
  if (p === '[' || p === '{' || p === ',') return true;
  if (p === ':' && inFlow) return true;
  return (p === ':' || p === '-' || p === '?') && k < i - 1;
}

/** The index just past a quoted scalar starting at i ('' escapes in single quotes, \ in double); -1 when never closed. */
function skipQuoted(text: string, i: number): number {
  const q = text[i];
  let k = i + 1;
  while (k < text.length) {
    const c = text[k];
    if (q === '"' && c === '\\') {
      k += 2;
      continue;
    }
    if (c === q) {
      if (q === "'" && text[k + 1] === "'") {
        k += 2;
        continue;
      }
      return k + 1;
    }
    k++;
  }
  return -1;
}

/** Keys of every object in a parsed JSON value (iteratively: the value may be deep). */
export function countKeys(root: unknown): number {
  let n = 0;
  const stack: unknown[] = [root];
  while (stack.length) {
    const v = stack.pop();
    if (v === null || typeof v !== 'object') continue;
    if (!Array.isArray(v)) n += Object.keys(v).length;
    for (const c of Array.isArray(v) ? v : Object.values(v)) stack.push(c);
  }
  return n;
}
