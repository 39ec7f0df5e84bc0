/**
 * `orchestrator state recover`: rebuilds the state from the last good snapshot generation and
 * every journal entry that still reads, then starts a new generation from it. Damaged files are
 * renamed aside (`*.corrupt-<time>`), never deleted.
 */
import { existsSync, readdirSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { StateError } from './errors.js';
import { journalName, readJournal } from './journal.js';
import { StateLock } from './lock.js';
import { applyOps } from './ops.js';
import type { State } from './schema.js';
import { loadSnapshot, writeGeneration, type LoadedSnapshot } from './store.js';

export interface RecoverReport {
  healthy: boolean;
  /** The snapshot the state was rebuilt from. */
  base?: string;
  baseSeq?: number;
  replayed: number;
  seq: number;
  /** Files renamed aside because they were damaged. */
  movedAside: string[];
  /** Journal bytes that could not be read (lost transactions). */
  droppedBytes: number;
}

export async function recoverState(dir: string): Promise<RecoverReport> {
  const snapshot = join(dir, 'state.json');
  const lock = new StateLock(snapshot, join(dir, 'state.lock'));
  const release = await lock.acquire();
  try {
    return recoverLocked(dir, snapshot);
  } finally {
    await release();
  }
}

function tryLoad(file: string): LoadedSnapshot | undefined {
  try {
    return loadSnapshot(file);
  } catch {
    return undefined;
  }
}

function journalGens(dir: string): number[] {
  return readdirSync(dir)
    .map((f) => /^journal\.(\d+)\.jsonl$/.exec(f)?.[1])
    .filter((g): g is string => g !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
}

function recoverLocked(dir: string, snapshot: string): RecoverReport {
  if (!existsSync(dir) || (!existsSync(snapshot) && !existsSync(`${snapshot}.prev`))) {
    throw new StateError(`no run state in ${dir}`, 'Nothing to recover; start a run with `orchestrator run`.');
  }
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const movedAside: string[] = [];
  const current = tryLoad(snapshot);
  const base = current ?? tryLoad(`${snapshot}.prev`);
  if (!base) throw new StateError(`neither ${snapshot} nor its .prev backup can be read`, 'The run cannot be recovered; start over with `orchestrator run --fresh` (the old files are moved aside).');

  let state: State = base.state;
  let seq = base.seq;
  let replayed = 0;
  let droppedBytes = 0;
  let damaged = !current;
  const gens = journalGens(dir).filter((g) => g >= base.gen);
  for (const gen of gens) {
    const file = join(dir, journalName(gen));
    const chunk = readJournal(file, 0);
    if (!chunk) continue;
    for (const e of chunk.entries) {
      if ('next' in e || e.s <= seq) continue;
      if (e.s !== seq + 1) break;
      state = applyOps(state, e.o);
      seq = e.s;
      replayed++;
    }
    if (chunk.corruptAt || chunk.tornBytes) {
      damaged = true;
      droppedBytes += chunk.corruptAt ? statSync(file).size - chunk.corruptAt.offset : chunk.tornBytes;
      if (chunk.corruptAt) {
        renameSync(file, `${file}.corrupt-${stamp}`);
        movedAside.push(`${file}.corrupt-${stamp}`);
        break;
      }
    }
  }
  if (!damaged) return { healthy: true, replayed, seq, movedAside, droppedBytes: 0 };
  if (!current && existsSync(snapshot)) {
    renameSync(snapshot, `${snapshot}.corrupt-${stamp}`);
    movedAside.push(`${snapshot}.corrupt-${stamp}`);
  }
  const nextGen = Math.max(base.gen, ...gens) + 1;
  writeGeneration(dir, nextGen, seq, state);
  return {
    healthy: false,
    base: current ? 'state.json' : 'state.json.prev',
    baseSeq: base.seq,
    replayed,
    seq,
    movedAside,
    droppedBytes,
  };
}
