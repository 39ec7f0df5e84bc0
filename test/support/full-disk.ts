/**
 * Run by test/system/state-integrity.test.ts inside a small tmpfs (`node --import tsx full-disk.ts DIR`):
 * fills the disk, commits until a write fails, and prints one JSON line: the error, whether a
 * torn line was left, the sequence a new store opens at, and the sequence after space is freed.
 */
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { journalName } from '../../state/journal.js';
import { FileStateStore } from '../../state/store.js';
import { counterState, increment } from './counter.js';

async function main(): Promise<void> {
  const root = process.argv[2]!;
  const dir = join(root, '.orchestrator');
  const store = await FileStateStore.create(dir, counterState(), { durable: false });
  const filler = join(root, 'filler');
  writeFileSync(filler, Buffer.alloc(200 << 10));
  let committed = 0;
  let error: Error | undefined;
  for (let i = 0; i < 100_000 && !error; i++) {
    try {
      committed = await store.transaction(increment('x'.repeat(200)));
    } catch (e) {
      error = e as Error;
    }
  }
  const text = readFileSync(join(dir, journalName(0)), 'utf8');
  const reopened = new FileStateStore(dir);
  await reopened.open();
  const seqAfter = reopened.sequence;
  unlinkSync(filler);
  const resumed = await reopened.transaction(increment('after'));
  process.stdout.write(JSON.stringify({ error: error?.message, name: error?.name, tornAfter: text.length > 0 && !text.endsWith('\n'), seqAfter, committed, resumed }) + '\n');
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack}\n`);
  process.exit(1);
});
