/**
 * Whether a pid names a process at all (signal 0; EPERM means it exists under another user).
 * A zombie still answers: callers that must tell a zombie apart read /proc
 * (workers/os/process-tree.ts). For the store that is the safe side: a lock key or temp file of
 * a process not yet reaped is left for a later sweep.
 */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
