/**
 * Opening a run's state store the way every process of the run does: transactions' events go
 * to logs/events.jsonl (machine-readable) and, as one human line each, to logs/orchestrator.log.
 */
import { formatEvent } from '../core/text/event-line.js';
import type { RunEvent } from '../../state/events.js';
import { FileStateStore, type StoreOptions } from '../../state/store.js';
import { appendPrivate } from '../../state/private-file.js';
import type { RunPaths } from './paths.js';

/** Appends the human lines of `events` to orchestrator.log. */
export function logEvents(paths: RunPaths, events: readonly RunEvent[]): void {
  const lines = events.map((e) => formatEvent(e, { fullTime: true })).filter((l): l is string => !!l);
  if (lines.length) appendPrivate(paths.orchestratorLog, lines.join('\n') + '\n');
}

export function runStoreOptions(paths: RunPaths): StoreOptions {
  return { eventsFile: paths.events, onEvents: (events) => logEvents(paths, events) };
}

/** Events that change no state (a task's process actually started) are appended outside the lock. */
export function appendEvent(paths: RunPaths, e: RunEvent): void {
  appendPrivate(paths.events, JSON.stringify(e) + '\n');
  logEvents(paths, [e]);
}

export function runStore(paths: RunPaths): FileStateStore {
  return new FileStateStore(paths.stateDir, runStoreOptions(paths));
}

/** Whether the run is still going; a state that cannot be read this instant (being rewritten) counts as going. */
export function runGoingOn(store: FileStateStore): boolean {
  try {
    return store.read().meta.status === 'running';
  } catch {
    return true;
  }
}
