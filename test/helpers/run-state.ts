/** Reading a run's state from a test: lock-free, in this process (no CLI spawn per poll). */
import { join } from 'node:path';
import type { State } from '../../state/schema.js';
import { FileStateStore } from '../../state/store.js';

/** The state as a fresh reader sees it (snapshot + journal), or undefined before it exists. */
export async function readState(runDir: string): Promise<State | undefined> {
  const dir = join(runDir, '.orchestrator');
  if (!FileStateStore.exists(dir)) return undefined;
  const store = new FileStateStore(dir);
  try {
    await store.open();
    return store.read();
  } finally {
    await store.close().catch(() => undefined);
  }
}

/** readState for polling: undefined also while the state cannot be read (being written, recovered). */
export function runState(runDir: string): Promise<State | undefined> {
  return readState(runDir).catch(() => undefined);
}

export function doneCount(s: State | undefined): number {
  return s ? Object.values(s.tasks).filter((t) => t.status === 'done').length : 0;
}
