/**
 * `run --only ID...`: the plan cut down to those tasks and everything they need (as `make
 * TARGET` builds a target and its prerequisites). Pure.
 */
import { UsageError } from '../errors.js';
import type { Plan } from './plan-types.js';
import { suggest } from './suggest.js';

export function onlyTasks(plan: Plan, ids: readonly string[]): Plan {
  const byId = new Map(plan.tasks.map((t) => [t.id, t]));
  for (const id of ids) {
    if (!byId.has(id)) {
      const near = suggest(id, byId.keys());
      throw new UsageError(`--only: no task '${id}' in plan ${plan.name}${near ? ` (did you mean '${near}'?)` : ''}`);
    }
  }
  const keep = new Set<string>();
  const stack = [...ids];
  while (stack.length) {
    const id = stack.pop()!;
    if (keep.has(id)) continue;
    keep.add(id);
    stack.push(...byId.get(id)!.needs);
  }
  return { ...plan, tasks: plan.tasks.filter((t) => keep.has(t.id)).map((t, index) => ({ ...t, index })) };
}
