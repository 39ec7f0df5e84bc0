/**
 * The scheduler's choice, a pure function: ready tasks and idle agents in, assignments out.
 * Highest priority (critical-path length) first; among equal priorities a task with an idle
 * agent of its role goes first, then plan order. Work-conserving: when no agent of its role is
 * idle, any idle agent takes it, preferably one whose roles no other ready task wants.
 */

export interface ReadyTask {
  id: string;
  priority: number;
  /** Position in the plan. */
  index: number;
  role?: string;
}

export interface IdleAgent {
  name: string;
  roles: readonly string[];
}

export interface Assignment {
  task: string;
  agent: string;
}

const EPS = 1e-9;

export function byPriority(a: ReadyTask, b: ReadyTask): number {
  return b.priority - a.priority > EPS ? 1 : a.priority - b.priority > EPS ? -1 : a.index - b.index;
}

export function schedule(ready: readonly ReadyTask[], idle: readonly IdleAgent[]): Assignment[] {
  const tasks = [...ready].sort(byPriority);
  const free = [...idle];
  const out: Assignment[] = [];
  const wanted = new Map<string, number>();
  for (const t of tasks) if (t.role) wanted.set(t.role, (wanted.get(t.role) ?? 0) + 1);
  const take = (t: ReadyTask, k: number) => {
    out.push({ task: t.id, agent: free[k]!.name });
    free.splice(k, 1);
    if (t.role) wanted.set(t.role, wanted.get(t.role)! - 1);
  };

  for (let lo = 0; lo < tasks.length && free.length; ) {
    let hi = lo + 1;
    while (hi < tasks.length && Math.abs(tasks[hi]!.priority - tasks[lo]!.priority) <= EPS) hi++;
    const tier = tasks.slice(lo, hi);
    const rest: ReadyTask[] = [];
    for (const t of tier) {
      const k = t.role ? free.findIndex((a) => a.roles.includes(t.role!)) : -1;
      if (k >= 0 && free.length) take(t, k);
      else rest.push(t);
    }
    for (const t of rest) {
      if (!free.length) break;
      const spare = free.findIndex((a) => !a.roles.some((r) => (wanted.get(r) ?? 0) > 0));
      take(t, spare >= 0 ? spare : 0);
    }
    lo = hi;
  }
  return out;
}
