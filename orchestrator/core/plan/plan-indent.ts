/**
 * Finding the one line whose indentation is wrong. A single misplaced line makes the YAML
 * parser report five to ten errors, most of them on later, correct lines ("Implicit keys need
 * to be on a single line", "A block sequence may not be used as an implicit map key"). This scan
 * reads the plan line by line, as a person would, keeping the columns that are open (a mapping's
 * keys, a list's dashes), and names the first line that lines up with none of them, with the
 * line it should line up with.
 *
 * It is only asked when the parser has already failed, and it gives up (returns undefined) on
 * anything it does not follow: flow collections or quoted strings spanning lines, complex keys,
 * several documents. Block scalars (`|`, `>`) and multi-line plain strings are skipped as text.
 */

/** The task or agent a line belongs to, as its list item names it (`- id: build`, `- name: Builder`). */
export interface Owner {
  task?: string;
  agent?: string;
}

export interface IndentProblem extends Owner {
  line: number;
  col: number;
  message: string;
  /** The key on the misplaced line, if it has one (the field to name). */
  key?: string;
}

interface Open {
  col: number;
  kind: 'map' | 'seq';
  line: number;
  /** What a person sees: `'run:'` or `'- id: build'`. */
  label: string;
  key?: string;
  owner: Owner;
}

interface Parsed {
  /** Entries the line opens, outermost first: a `- key: v` line opens a list item and a key. */
  entries: Array<{ col: number; kind: 'map' | 'seq' }>;
  /** The line ends without a value: the next line may be deeper. */
  opens: boolean;
  /** A block scalar (`|`, `>`) starts: deeper lines are its text. */
  block: boolean;
  key?: string;
  value: string;
}

const KEY = /^("(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^\s#'"[\]{},&*!|>%@`?-][^]*?|-[^\s][^]*?)\s*:(?:\s+|$)/;
const unquote = (v: string) => v.replace(/^(["'])(.*)\1$/, '$2');

/** A text block (`run: |`) being read: its key's column, the column of its first line. */
interface Block {
  at: number;
  indent: number;
  line: number;
  label: string;
  key?: string;
  owner: Owner;
}

/** The first wrongly indented line, if the plan's text shows one. */
export function indentProblem(text: string): IndentProblem | undefined {
  const lines = text.split('\n');
  const open: Open[] = [];
  let opener: Open | undefined; // the last entry, when its line ended without a value
  let block: Block | undefined;
  let lastCol = 0;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.replace(/\r$/, '');
    const lead = /^[ \t]*/.exec(raw)![0];
    const rest = raw.slice(lead.length);
    if (rest === '' || rest.startsWith('#')) continue;
    const col = lead.length;
    if (block) {
      if (col > block.at) {
        if (block.indent < 0) block.indent = col;
        else if (col < block.indent) {
          return { line: i + 1, col: col + 1, message: `bad indentation: this line of the text under ${block.label} (line ${block.line}) starts at column ${col + 1}, left of the text's first line (column ${block.indent + 1}); indent it like the lines above it`, ...(block.key !== undefined && { key: block.key }), ...block.owner };
        }
        continue;
      }
      block = undefined;
    }
    const top = open[open.length - 1];
    if (lead.includes('\t')) {
      const key = parseLine(rest, col)?.key;
      return { line: i + 1, col: lead.indexOf('\t') + 1, message: 'a tab in the indentation: YAML indents with spaces only (replace the tab with spaces)', ...(key !== undefined && { key }), ...top?.owner };
    }
    if (/^(---|\.\.\.)(\s|$)/.test(rest) || rest.startsWith('? ')) return undefined;
    const p = parseLine(rest, col);
    if (!p) return undefined;
    if (p.entries.length === 0) {
      // Text: the continuation of a multi-line plain string, which may sit deeper than its key.
      if (top && col > top.col) {
        opener = undefined;
        continue;
      }
      return undefined;
    }
    const first = p.entries[0]!;
    const label = labelOf(rest);
    const own = first.kind === 'seq' ? ownerOf(rest, open.find((o) => o.col === 0 && o.kind === 'map')?.key) : undefined;
    const problem = place(open, opener, first.col, first.kind, i + 1, label, lastCol);
    if (problem) return { ...problem, ...(p.key !== undefined && first.kind === 'map' && { key: p.key }), ...own };
    // The line's entry replaces its sibling (same column and kind) and closes what was deeper.
    for (let t = open[open.length - 1]; t && (t.col > first.col || (t.col === first.col && t.kind === first.kind)); t = open[open.length - 1]) open.pop();
    const owner = own ?? open[open.length - 1]?.owner ?? {};
    for (const e of p.entries) open.push({ col: e.col, kind: e.kind, line: i + 1, label: e.kind === 'seq' ? `'${label}'` : `'${p.key}:'`, ...(e.kind === 'map' && p.key !== undefined && { key: p.key }), owner });
    opener = p.opens ? open[open.length - 1] : undefined;
    // A block with an explicit indentation (`|2`) may start deeper than its text: not followed.
    if (p.block) block = { at: p.entries[p.entries.length - 1]!.col, indent: /\d/.test(p.value) ? 0 : -1, line: i + 1, label: `'${label}'`, ...(p.key !== undefined && { key: p.key }), owner };
    lastCol = p.entries[p.entries.length - 1]!.col;
  }
  return undefined;
}

/** The task or agent a list item names on its first line, in the plan's `tasks:` or `agents:`. */
function ownerOf(rest: string, section: string | undefined): Owner | undefined {
  const field = section === 'tasks' ? 'id' : section === 'agents' ? 'name' : undefined;
  if (!field) return undefined;
  const m = new RegExp(`^-\\s+(?:\\{\\s*(?:[^}]*,\\s*)?)?${field}:\\s*("[^"]*"|'[^']*'|[^\\s,}#]+)`).exec(rest);
  if (!m) return undefined;
  return section === 'tasks' ? { task: unquote(m[1]!) } : { agent: unquote(m[1]!) };
}

/**
 * Checks a line's first entry against the open columns (closing the deeper ones, as YAML does);
 * a problem when it lines up with none of them.
 */
function place(open: Open[], opener: Open | undefined, col: number, kind: 'map' | 'seq', line: number, label: string, lastCol: number): IndentProblem | undefined {
  // A child of the entry above: deeper, or a list at its key's own column (`needs:\n- a`).
  if (opener && (col > opener.col || (col === opener.col && kind === 'seq' && opener.kind === 'map'))) return undefined;
  if (!open.length) return undefined;
  const before = [...open];
  while (open.length && open[open.length - 1]!.col > col) open.pop();
  let top = open[open.length - 1];
  // A key after a list written at its key's column: the list ends, the mapping goes on.
  if (top && top.col === col && top.kind === 'seq' && kind === 'map' && open[open.length - 2]?.col === col) {
    open.pop();
    top = open[open.length - 1];
  }
  if (top && top.col === col && top.kind === kind) return undefined;
  const like = [...before].reverse().find((o) => o.kind === kind && o.col !== col);
  const what = kind === 'seq' ? `the list item '${label}'` : `'${keyOf(label)}:'`;
  const hint = like ? `; line it up with ${like.label} on line ${like.line} (column ${like.col + 1})` : '';
  const where = top && top.col === col
    ? (kind === 'seq' ? 'is where the fields of a mapping are, not the items of a list' : "is where a list's items are, not the fields of a mapping")
    : col > lastCol ? 'is indented further than the line above, which opens nothing' : 'lines up with nothing above it';
  return { line, col: col + 1, message: `bad indentation: ${what} at column ${col + 1} ${where}${hint}`, ...(like ?? top)?.owner };
}

function labelOf(rest: string): string {
  const t = rest.replace(/\s+#.*$/, '').trim();
  return t.length > 30 ? `${t.slice(0, 29)}…` : t;
}

function keyOf(label: string): string {
  return KEY.exec(label)?.[1] ?? label;
}

/** What a line holds: the entries it opens and whether its value continues below. Undefined: not followed. */
function parseLine(rest: string, col: number): Parsed | undefined {
  const entries: Parsed['entries'] = [];
  let c = col;
  let s = rest;
  while (s === '-' || s.startsWith('- ')) {
    entries.push({ col: c, kind: 'seq' });
    const after = s.slice(1);
    const pad = /^ */.exec(after)![0].length + 1;
    c += pad;
    s = after.trimStart();
  }
  const m = KEY.exec(s);
  let key: string | undefined;
  let value = s;
  if (m) {
    key = unquote(m[1]!);
    entries.push({ col: c, kind: 'map' });
    value = s.slice(m[0].length);
  } else if (entries.length === 0) {
    return { entries, opens: false, block: false, value };
  }
  value = value.replace(/(^|\s)#.*$/, '').trim();
  // Values this scan does not follow across lines: an unclosed flow collection or quote.
  if (/^[[{]/.test(value) && !balanced(value)) return undefined;
  if (/^["']/.test(value) && !closedQuote(value)) return undefined;
  const block = /^[|>][-+0-9]*$/.test(value);
  const opens = value === '' || /^([&!][^\s]*\s*)+$/.test(value);
  return { entries, opens, block, ...(key !== undefined && { key }), value };
}

function balanced(v: string): boolean {
  let depth = 0;
  let quote = '';
  for (const ch of v) {
    if (quote) {
      if (ch === quote) quote = '';
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '[' || ch === '{') depth++;
    else if (ch === ']' || ch === '}') depth--;
  }
  return depth <= 0 && !quote;
}

function closedQuote(v: string): boolean {
  const q = v[0]!;
  for (let i = 1; i < v.length; i++) {
    if (q === '"' && v[i] === '\\') i++;
    else if (v[i] === q) {
      if (q === "'" && v[i + 1] === "'") i++;
      else return true;
    }
  }
  return false;
}
