/**
 * Reading `git merge-tree --write-tree --name-only --no-messages` and saying which task's merged
 * work a conflict collides with: "conflict in voice/synth.py with T005". Pure.
 */

export type MergeTreeResult = { clean: true; tree: string } | { clean: false; tree: string; paths: string[] };

/** rc 0: clean, the tree on the first line; rc 1: conflict, the tree, then one path a line. */
export function parseMergeTree(rc: number, stdout: string): MergeTreeResult | undefined {
  const lines = stdout.split('\n').filter((l) => l.length);
  const tree = lines[0];
  if (!tree || !/^[0-9a-f]{40,64}$/.test(tree)) return undefined;
  if (rc === 0) return { clean: true, tree };
  if (rc === 1) return { clean: false, tree, paths: [...new Set(lines.slice(1))] };
  return undefined;
}

/**
 * `git log --no-merges --name-only --format=%x01%B%x02` output: per commit its message and the
 * paths it touched. Returns path -> the task ids (from the commits' trailers) that touched it.
 */
export function tasksByPath(log: string, readTask: (message: string) => string | undefined): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const rec of log.split('\x01').slice(1)) {
    const [message = '', files = ''] = rec.split('\x02');
    const task = readTask(message);
    if (!task) continue;
    for (const path of files.split('\n').map((l) => l.trim()).filter(Boolean)) {
      const list = out.get(path) ?? [];
      if (!list.includes(task)) list.push(task);
      out.set(path, list);
    }
  }
  return out;
}

/**
 * "conflict in a.py, b.py with T005; c.py with T006 and T007". Paths no task commit touched (an
 * edit made on the integration branch by hand) are named without a task. At most `max` paths.
 */
export function conflictMessage(paths: readonly string[], byPath: ReadonlyMap<string, readonly string[]>, max = 6): string {
  const groups = new Map<string, string[]>();
  for (const p of paths) {
    const key = [...(byPath.get(p) ?? [])].sort().join(' and ');
    groups.set(key, [...(groups.get(key) ?? []), p]);
  }
  let shown = 0;
  const parts: string[] = [];
  for (const [tasks, ps] of groups) {
    const room = Math.max(0, max - shown);
    if (!room) break;
    const list = ps.slice(0, room);
    shown += list.length;
    parts.push(`${list.join(', ')}${tasks ? ` with ${tasks}` : ''}`);
  }
  const more = paths.length - shown;
  return `conflict in ${parts.join('; ')}${more > 0 ? ` (and ${more} more path${more > 1 ? 's' : ''})` : ''}`;
}

/** The task ids a conflict names, for the event and the dashboard. */
export function conflictTasks(paths: readonly string[], byPath: ReadonlyMap<string, readonly string[]>): string[] {
  return [...new Set(paths.flatMap((p) => byPath.get(p) ?? []))].sort();
}
