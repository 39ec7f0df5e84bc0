/**
 * What a plan may hold that the schema cannot say, because the operating system refuses it at
 * run time: a NUL or other control character in an environment variable, the workdir, an id or
 * a name (spawn and open reject a NUL; control characters garble logs and panes); `=` in an
 * environment key (it would move into the value); an id or agent name longer than a file name
 * may be (its log is `<name>.log`); a timeout a Node timer cannot hold (longer than 2^31-1 ms
 * fires at once) or of zero. Checked on the raw document with the other checks (plan-checks.ts).
 */
import type { PlanProblem } from '../errors.js';
import { parseDuration } from '../text/duration.js';
import type { Locator as FullLocator } from './plan-locate.js';

/** What the checks need to place a problem (as in plan-checks.ts). */
type Locator = Pick<FullLocator, 'at' | 'lineOf'>;

/** The longest file name most file systems take (NAME_MAX on Linux, macOS and BSDs), in bytes. */
export const NAME_MAX = 255;
/** The longest delay a Node timer holds: 2^31-1 ms (about 24.8 days); longer ones fire at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;
// Values may hold tabs and line breaks (a multi-line variable is fine), never NUL or other controls.
// eslint-disable-next-line no-control-regex
const VALUE_CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

function controlCharName(s: string, re = CONTROL): string | undefined {
  const m = re.exec(s);
  if (!m) return undefined;
  const code = m[0].charCodeAt(0);
  return code === 0 ? 'a NUL character' : `a control character (U+${code.toString(16).toUpperCase().padStart(4, '0')})`;
}

/** Control characters in ids and agent names are the schema's to refuse (their patterns allow none). */
function checkName(value: unknown, path: Array<string | number>, what: string, loc: Locator, out: PlanProblem[], file?: string): void {
  if (typeof value !== 'string') return;
  const c = file === undefined ? controlCharName(value) : undefined;
  if (c) out.push(loc.at(path, `${what} contains ${c}`));
  if (file !== undefined) {
    const bytes = Buffer.byteLength(value + file);
    if (bytes > NAME_MAX) out.push(loc.at(path, `${what} is too long: its log file's name (${what} + '${file}') would be ${bytes} bytes, and a file name may have at most ${NAME_MAX}`));
  }
}

function checkTimeout(value: unknown, path: Array<string | number>, loc: Locator, out: PlanProblem[]): void {
  const ms = parseDuration(value);
  if (ms === undefined) return; // the schema says what is wrong
  if (ms <= 0) out.push(loc.at(path, 'must be more than 0 (a timeout of 0 would end the task at once)'));
  else if (ms > MAX_TIMER_MS) out.push(loc.at(path, `is too long: at most ${MAX_TIMER_MS} ms (about 24.8 days), the longest a timer can wait`));
}

export function checkLimits(raw: Obj, loc: Locator, out: PlanProblem[]): void {
  if (typeof raw.workdir === 'string') {
    const c = controlCharName(raw.workdir);
    if (c) out.push(loc.at(['workdir'], `the workdir contains ${c}`));
  }
  if (isObj(raw.defaults)) checkTimeout(raw.defaults.timeout, ['defaults', 'timeout'], loc, out);
  list(raw.quads).forEach((q, i) => isObj(q) && checkName(q.name, ['quads', i, 'name'], 'the quad name', loc, out));
  list(raw.agents).forEach((a, i) => isObj(a) && checkName(a.name, ['agents', i, 'name'], 'the agent name', loc, out, '.log'));
  list(raw.tasks).forEach((t, i) => {
    if (!isObj(t)) return;
    checkName(t.id, ['tasks', i, 'id'], 'the task id', loc, out, '.log');
    checkTimeout(t.timeout, ['tasks', i, 'timeout'], loc, out);
    if (!isObj(t.env)) return;
    for (const [key, value] of Object.entries(t.env)) {
      const at = ['tasks', i, 'env', key];
      const c = controlCharName(key);
      if (!key) out.push(loc.at(at, 'an environment variable needs a name', true));
      if (c) out.push(loc.at(at, `the environment variable name contains ${c}`, true));
      if (key.includes('=')) out.push(loc.at(at, `the environment variable name '${key}' contains '=': a name cannot hold '=' (it would become part of the value)`, true));
      const v = typeof value === 'string' ? controlCharName(value, VALUE_CONTROL) : undefined;
      if (v) out.push(loc.at(at, `the value of ${key} contains ${v}`));
    }
  });
}
