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

/** How many ready tasks want each role. */
export function roleCounts(ready: readonly ReadyTask[]): Map<string, number> {
  const wanted = new Map<string, number>();
  for (const t of ready) if (t.role) wanted.set(t.role, (wanted.get(t.role) ?? 0) + 1);
  return wanted;
}

/**
 * `wanted` defaults to roleCounts(ready); pass the counts of every ready task when `ready` is
 * only the candidates() of a larger set.
 */
export function schedule(ready: readonly ReadyTask[], idle: readonly IdleAgent[], wantedRoles?: ReadonlyMap<string, number>): Assignment[] {
  const tasks = [...ready].sort(byPriority);
  const free = [...idle];
  const out: Assignment[] = [];
  const wanted = new Map(wantedRoles ?? roleCounts(tasks));
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

/** Keeps the `n` first tasks in byPriority order seen so far (n is small: the idle agents). */
class FirstN {
  readonly items: ReadyTask[] = [];
  constructor(readonly n: number) {}
  offer(t: ReadyTask): void {
    const a = this.items;
    if (a.length === this.n && byPriority(t, a[a.length - 1]!) >= 0) return;
    let i = a.length;
    while (i > 0 && byPriority(t, a[i - 1]!) < 0) i--;
    a.splice(i, 0, t);
    if (a.length > this.n) a.pop();
  }
}

/**
 * The ready tasks `schedule` can possibly give to `idle`, so that a claim among thousands of
 * ready tasks does not sort them all: schedule(candidates(r, i), i, roleCounts(r)) makes the
 * same assignments as schedule(r, i). With k idle agents only the tiers down to the k-th best
 * task are reached: every tier above it whole (fewer than k tasks), and of its own tier, per
 * role, the first as many tasks of that role as idle agents have it (only those can match),
 * plus the first 2k overall (at most k tasks match, so the unmatched ones that still get an
 * agent are among the first 2k).
 */
export function candidates(ready: readonly ReadyTask[], idle: readonly IdleAgent[]): readonly ReadyTask[] {
  const k = idle.length;
  if (ready.length <= 4 * k + 16) return ready;
  if (k === 0) return [];
  const best = new FirstN(k);
  for (const t of ready) best.offer(t);
  const kth = best.items[best.items.length - 1]!.priority;
  const matched = new Map<string, FirstN>();
  for (const a of idle) for (const r of new Set(a.roles)) matched.set(r, new FirstN((matched.get(r)?.n ?? 0) + 1));
  const tier = new FirstN(2 * k);
  const out: ReadyTask[] = [];
  for (const t of ready) {
    if (t.priority - kth > EPS) out.push(t);
    else if (Math.abs(t.priority - kth) <= EPS) {
      tier.offer(t);
      if (t.role) matched.get(t.role)?.offer(t);
    }
  }
  const seen = new Set(out.map((t) => t.id));
  for (const t of [...tier.items, ...[...matched.values()].flatMap((m) => m.items)]) if (!seen.has(t.id)) {
    seen.add(t.id);
    out.push(t);
  }
  return out;
}
