/**
 * The messages of the commits worktree mode makes, and reading them back. A task commit and a
 * merge commit carry trailers naming the task and the hash of its definition, so that a run
 * resuming after a crash recognises its own work (and work of an older definition as stale).
 */

export const TASK_TRAILER = 'Orchestrator-Task';
export const HASH_TRAILER = 'Orchestrator-Task-Hash';

export interface TaskMark {
  task: string;
  hash?: string;
}

/** `<ID>: <title>` and the trailers. */
export function taskCommitMessage(id: string, title: string, hash: string): string {
  return `${id}: ${title}\n\n${TASK_TRAILER}: ${id}\n${HASH_TRAILER}: ${hash}\n`;
}

export function mergeCommitMessage(id: string, title: string, hash: string): string {
  return `Merge ${id}: ${title}\n\n${TASK_TRAILER}: ${id}\n${HASH_TRAILER}: ${hash}\n`;
}

/** The task trailers of a commit message (the last paragraph), if it has them. */
export function readTaskMark(message: string): TaskMark | undefined {
  const paragraphs = message.trimEnd().split(/\n\s*\n/);
  const last = paragraphs[paragraphs.length - 1] ?? '';
  let task: string | undefined;
  let hash: string | undefined;
  for (const line of last.split('\n')) {
    const m = /^([A-Za-z-]+):\s*(\S+)\s*$/.exec(line);
    if (!m) continue;
    if (m[1] === TASK_TRAILER) task = m[2];
    else if (m[1] === HASH_TRAILER) hash = m[2];
  }
  return task ? { task, ...(hash && { hash }) } : undefined;
}

/** The message part of `git cat-file commit` output (after the header's blank line). */
export function commitObjectMessage(raw: string): string {
  const i = raw.indexOf('\n\n');
  return i < 0 ? '' : raw.slice(i + 2);
}

/** `Name <email>` as the two parts git's environment wants; undefined if it is not that shape. */
export function parseIdentity(text: string): { name: string; email: string } | undefined {
  const m = /^\s*([^<>]*?)\s*<([^<>\s]+)>\s*$/.exec(text);
  return m && m[1] ? { name: m[1], email: m[2]! } : undefined;
}

export const DEFAULT_IDENTITY = { name: 'orchestrator', email: 'orchestrator@localhost' };
