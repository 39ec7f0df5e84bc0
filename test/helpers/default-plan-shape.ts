/**
 * The bundled default plan's shape without its work: the same name, quads, agents (names, quads,
 * roles) and graph (ids, titles, roles, needs), every task `true`, no git worktrees. For tests of
 * what a terminal shows for that plan (layout, names, the summary), where running the real
 * tasks (Python builds and tests, git merges: tens of CPU seconds) would check nothing more.
 * The real plan is run to completion by its own tests (engine and quad-terminal launch).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { DEFAULT_PLAN } from '../../orchestrator/run-dir/paths.js';

interface RawTask { id: string; title?: string; role?: string; needs?: string[] }

/** Writes the default plan's shape into `dir` (as `default-shape.yaml`) and returns its path. */
export function writeDefaultPlanShape(dir: string): string {
  const raw = parse(readFileSync(DEFAULT_PLAN, 'utf8')) as Record<string, unknown> & { tasks: RawTask[] };
  const { workspace: _workspace, git: _git, tasks, ...rest } = raw;
  const plan = {
    ...rest,
    workdir: 'work',
    tasks: tasks.map((t) => ({ id: t.id, title: t.title, role: t.role, needs: t.needs ?? [], run: 'true' })),
  };
  const file = join(dir, 'default-shape.yaml');
  writeFileSync(file, stringify(plan));
  return file;
}
