/** The git version worktree mode needs (`merge-tree --write-tree` came with 2.38). Pure. */

export const MIN_GIT: readonly [number, number] = [2, 38];

/** `git version 2.39.5` (or `2.39.5.windows.1`, `2.40.0 (Apple Git-…)`) -> [2, 39, 5]. */
export function parseGitVersion(text: string): number[] | undefined {
  const m = /(\d+)\.(\d+)(?:\.(\d+))?/.exec(text);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)] : undefined;
}

export function gitVersionOk(v: readonly number[]): boolean {
  const [major = 0, minor = 0] = v;
  return major > MIN_GIT[0] || (major === MIN_GIT[0] && minor >= MIN_GIT[1]);
}
