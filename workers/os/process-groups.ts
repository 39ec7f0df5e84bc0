/**
 * The process groups this process started for its tasks. On a stop, a timeout or this
 * process's own death they are ended as whole trees (by process group id, never by name).
 */
const active = new Set<number>();

export function trackGroup(pgid: number): void {
  active.add(pgid);
}

export function untrackGroup(pgid: number): void {
  active.delete(pgid);
}

export function activeGroups(): number[] {
  return [...active];
}

/** Signals a whole process group; false when it no longer exists. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** SIGTERM every tracked group, then SIGKILL whatever is left after `graceMs`. */
export async function endAllGroups(graceMs = 1000): Promise<void> {
  const groups = activeGroups();
  for (const g of groups) signalGroup(g, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (groups.some(groupAlive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
  for (const g of groups) if (groupAlive(g)) signalGroup(g, 'SIGKILL');
}

/** Synchronous last resort (process 'exit' handlers cannot wait). */
export function killAllGroupsNow(): void {
  for (const g of activeGroups()) signalGroup(g, 'SIGKILL');
}
