/**
 * Fields that valid YAML put one level off because of their indentation. The YAML parses, but
 * the schema then reports two or three problems for one line: `prompt:` dedented out of `agent:`
 * is an unknown task field *and* an agent without a prompt; a task's last `run:` dedented to
 * column 1 is an unknown plan field *and* a task without `run`. Each such pair is told as one
 * problem, on the misplaced line, naming the mapping it belongs to.
 */
import type { PlanProblem } from '../errors.js';
import type { Locator as FullLocator, Path } from './plan-locate.js';
import { KNOWN_KEYS } from './plan-schema.js';

type Locator = Pick<FullLocator, 'at'>;
type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Task fields that hold a mapping, with the keys each takes (undefined: any key, as `env`). */
const NESTED: Record<string, string[] | undefined> = { agent: KNOWN_KEYS.agentTask, env: undefined };
const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;

interface Shift {
  /** The misplaced key's path. */
  path: Path;
  message: string;
  /** The follow-on problems this one explains. */
  explains: (p: PlanProblem) => boolean;
}

/** `problems` with each misplaced field's problems told once, as an indentation problem. */
export function collapseShifted(problems: PlanProblem[], raw: unknown, loc: Locator): PlanProblem[] {
  if (!isObj(raw)) return problems;
  let out = problems;
  for (const s of shifts(raw, loc)) {
    const at = loc.at(s.path, s.message, true);
    if (at.line === undefined) continue;
    const unknown = (p: PlanProblem) => p.line === at.line && p.col === at.col && p.message.startsWith('unknown field');
    if (!out.some(unknown)) continue;
    out = out.filter((p) => !unknown(p) && !s.explains(p));
    out.push(at);
  }
  return out;
}

function shifts(raw: Obj, loc: Locator): Shift[] {
  const found: Shift[] = [];
  const tasks = Array.isArray(raw.tasks) ? raw.tasks : [];
  const label = (i: number) => loc.at(['tasks', i], '').task;
  // The line of a key (of the entry itself for a list item), not of its value.
  const lineOf = (path: Path) => loc.at(path, '', true).line ?? 0;
  // A task's field at the plan's top level: the last task's, dedented.
  const last = tasks.length - 1;
  if (last >= 0 && isObj(tasks[last])) {
    for (const k of Object.keys(raw)) {
      if (KNOWN_KEYS.plan.includes(k) || !KNOWN_KEYS.task.includes(k) || lineOf([k]) < lineOf(['tasks', last])) continue;
      const task = label(last);
      found.push({
        path: [k],
        message: `'${k}' is a task field, not a plan field: indent it like the other fields of task ${task} (line ${lineOf(['tasks', last])})`,
        explains: (p) => p.task === task && !p.field && p.message.startsWith(`missing required field '${k}'`),
      });
    }
  }
  tasks.forEach((t, i) => {
    if (!isObj(t)) return;
    const task = label(i);
    for (const k of Object.keys(t)) {
      if (KNOWN_KEYS.task.includes(k)) continue;
      // Dedented out of a mapping above it (`agent:`, `env:`) into the task.
      const home = Object.keys(NESTED).find((s) => {
        if (!(s in t) || lineOf(['tasks', i, s]) > lineOf(['tasks', i, k])) return false;
        const keys = NESTED[s];
        return keys ? keys.includes(k) : t[s] === null || ENV_NAME.test(k);
      });
      if (!home) continue;
      found.push({
        path: ['tasks', i, k],
        message: `'${k}' belongs under '${home}:' (line ${lineOf(['tasks', i, home])}): indent it further, like the fields there`,
        explains: (p) => p.task === task && p.field === home && (p.message.startsWith('missing') || p.message.startsWith('expected a mapping')),
      });
    }
    // Indented into `agent:` although it is the task's own field.
    for (const s of Object.keys(NESTED)) {
      const inner = t[s];
      const keys = NESTED[s];
      if (!isObj(inner) || !keys) continue;
      for (const k of Object.keys(inner)) {
        if (keys.includes(k) || !KNOWN_KEYS.task.includes(k)) continue;
        found.push({
          path: ['tasks', i, s, k],
          message: `'${k}' is a field of the task, not of '${s}': dedent it to line up with '${s}:' (line ${lineOf(['tasks', i, s])})`,
          explains: (p) => p.task === task && !p.field && p.message.startsWith(`missing required field '${k}'`),
        });
      }
    }
  });
  return found;
}
