/**
 * Turning parser and schema complaints into plan problems a person can act on: the place, what
 * was expected and what was found, and a did-you-mean for misspelt field names.
 */
import type { Document } from 'yaml';
import type { $ZodIssue } from 'zod/v4/core';
import type { PlanProblem } from '../errors.js';
import type { Locator, Path } from './plan-locate.js';
import { KNOWN_KEYS } from './plan-schema.js';
import { suggest } from './suggest.js';
import { indentProblem } from './plan-indent.js';

/**
 * A YAML syntax error, placed where a person would look for it. Only the first is reported:
 * after one wrong line the parser's view of the rest is off, and its further errors (often five
 * or more for one bad indent) point at correct lines. When the text shows a wrongly indented
 * line up to that error, that line is the problem, named with the line it should line up with.
 */
export function syntaxProblems(doc: Document, text: string, loc: Locator): PlanProblem[] {
  const first = [...doc.errors].sort((a, b) => a.pos[0] - b.pos[0])[0];
  if (!first) return [];
  const indent = indentProblem(text);
  // The scan follows only what it understands, so a line it flags is wrong YAML; it is taken
  // when no error the parser reports lies wholly before it.
  if (indent && lineStart(text, indent.line) <= Math.max(...doc.errors.map((e) => e.pos[1]))) {
    // The parser's idea of the task or field around a broken line is unreliable: the scan's own.
    const { file, line, col } = loc.atOffset(lineStart(text, indent.line) + indent.col - 1, indent.message);
    const { task, agent, key, message } = indent;
    return [{ file, line, col, ...(task !== undefined && { task }), ...(agent !== undefined && { agent }), ...(key !== undefined && { field: key }), message }];
  }
  return [first].map((e) => {
    let offset = e.pos[0];
    let message = e.message.split('\n')[0]!;
    if (e.code === 'MISSING_CHAR' && /quote/.test(message)) {
      // YAML reports an unclosed quote where the input ends; where it opens is what needs fixing.
      const open = loc.openingQuote(offset);
      if (open !== undefined) {
        offset = open;
        message = `the quoted string that starts here is never closed (${message})`;
      }
    } else if (e.code === 'DUPLICATE_KEY') {
      const key = /^[^:\n]*/.exec(text.slice(offset))![0].trim();
      message = `duplicate key '${key}' (${message})`;
    }
    return loc.atOffset(offset, `YAML syntax error: ${message}`);
  });
}

function lineStart(text: string, line: number): number {
  let at = 0;
  for (let l = 1; l < line && at >= 0; l++) at = text.indexOf('\n', at) + 1;
  return at;
}

function keysFor(path: Path): string[] {
  if (path.length === 0) return KNOWN_KEYS.plan;
  const top = String(path[0]);
  const inner = path.length > 2 ? String(path[path.length - 1]) : '';
  if (top === 'tasks' && inner === 'agent') return KNOWN_KEYS.agentTask;
  if (top === 'tasks' && (inner === 'stall' || inner === 'budget')) return KNOWN_KEYS[inner];
  if (top === 'agent_presets' && path.length === 2) return KNOWN_KEYS.preset;
  if (top === 'tasks') return KNOWN_KEYS.task;
  if (top === 'agents') return KNOWN_KEYS.agent;
  if (top === 'quads') return KNOWN_KEYS.quad;
  return (KNOWN_KEYS as Record<string, string[]>)[top] ?? [];
}

/** `string "yes"`, `number 5`, `a list`: what was found, for "expected X, got Y". */
export function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return `${typeof v} ${JSON.stringify(v)}`;
}

const TYPE_NAMES: Record<string, string> = {
  array: 'a list',
  object: 'a mapping',
  record: 'a mapping',
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
};

function valueAt(raw: unknown, path: Path): unknown {
  let v: unknown = raw;
  for (const seg of path) v = v && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[seg] : undefined;
  return v;
}

const ALIASES: Record<string, string> = { depends_on: 'needs', dependencies: 'needs', deps: 'needs', depends: 'needs', command: 'run', cmd: 'run', script: 'run', steps: 'tasks', jobs: 'tasks' };

/** zod's own wording starts like this; messages written in plan-schema.ts are used as they are. */
const isDefault = (message: string) => message.startsWith('Invalid input') || message.startsWith('Too ');

/** One schema issue as plan problems (several for several unknown keys). */
export function describeIssue(issue: $ZodIssue, loc: Pick<Locator, 'at'>, raw: unknown): PlanProblem[] {
  const path = issue.path;
  const actual = valueAt(raw, path);
  const got = (msg: string) => (actual !== null && typeof actual === 'object' ? msg : `${msg}, got ${typeName(actual)}`);
  const wrongType = issue.code === 'invalid_type' || issue.code === 'invalid_union';
  if (path.length === 1 && path[0] === 'version' && actual === undefined) return [loc.at(path, "missing 'version: 1' (the first line of every plan)")];
  if (wrongType && actual === undefined && path.length) return [loc.at(path, `missing required field '${String(path[path.length - 1])}'`)];
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((k) => {
        // Other tools' words for the same field (GitHub Actions, Compose, Make).
        const hint = ALIASES[k] ?? suggest(k, keysFor(path));
        return loc.at([...path, k], `unknown field '${k}'${hint ? ` (did you mean '${hint}'?)` : ''}`, true);
      });
    case 'invalid_type':
      if (path.length === 0) {
        return [loc.at(path, `a plan is a mapping with version, name and tasks; got ${actual == null ? 'an empty document' : typeName(actual)}`)];
      }
      return [loc.at(path, isDefault(issue.message) ? `expected ${TYPE_NAMES[issue.expected] ?? issue.expected}, got ${typeName(actual)}` : got(issue.message))];
    case 'invalid_union': {
      // A branch that failed only inside (not on the type) is the one the user meant: report it.
      const near = issue.errors.find((b) => b.length && !b.some((i) => i.code === 'invalid_type' && i.path.length === 0));
      if (near) return near.flatMap((i) => describeIssue({ ...i, path: [...path, ...i.path] } as $ZodIssue, loc, raw));
      return [loc.at(path, `${isDefault(issue.message) ? 'wrong type' : issue.message}, got ${typeName(actual)}`)];
    }
    case 'invalid_value':
      if (path[path.length - 1] === 'version') return [loc.at(path, `unsupported version ${JSON.stringify(actual)}: this orchestrator reads version 1`)];
      return [loc.at(path, got(issue.message))];
    default:
      return [loc.at(path, got(issue.message))];
  }
}
