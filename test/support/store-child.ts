/**
 * A real process using a state store, for test/system/state-store.test.ts and bench/store-cost.ts.
 * Run with `node --import tsx test/support/store-child.ts MODE DIR [ARGS]`:
 *   increment DIR COUNT LABEL [COMPACT_BYTES]  COUNT transactions, each reading the counter and writing +1
 *   hold-lock DIR                              take the store's lock, say "locked", sleep until killed
 *   write-loop DIR [COMPACT_BYTES]             increment forever (to be SIGKILLed at a random moment)
 *   lock-race DIR                              per "go" line on stdin: acquire the lock, hold it 5 ms,
 *                                              release, print the held interval as JSON [from, to]
 *   stall-tx DIR FLAG                          one increment whose body says "in-tx" and then spins
 *                                              (holding the lock) until the file FLAG exists; prints
 *                                              "committed N" or "refused: <first line of the error>"
 * It prints "ready" once the store is open and "done" when finished.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { FileStateStore } from '../../state/store.js';
import { increment } from './counter.js';

async function main(): Promise<void> {
  const [mode, dir, ...args] = process.argv.slice(2);
  if (!mode || !dir) throw new Error('usage: store-child MODE DIR [ARGS]');
  const compact = (v: string | undefined) => (v ? { compactBytes: Number(v) } : {});
  const say = (line: string) => process.stdout.write(line + '\n');

  if (mode === 'increment') {
    const [count, label, compactBytes] = args;
    const store = new FileStateStore(dir, compact(compactBytes));
    await store.open();
    say('ready');
    for (let i = 0; i < Number(count); i++) await store.transaction(increment(label!));
    await store.close();
    say('done');
  } else if (mode === 'hold-lock') {
    const store = new FileStateStore(dir);
    await store.open();
    await store.lock.acquire();
    say('locked');
    setInterval(() => undefined, 60_000);
  } else if (mode === 'write-loop') {
    const store = new FileStateStore(dir, compact(args[0]));
    await store.open();
    say('ready');
    for (;;) await store.transaction(increment(`pid${process.pid}`));
  } else if (mode === 'stall-tx') {
    const store = new FileStateStore(dir);
    await store.open();
    const inc = increment(`stalled${process.pid}`);
    try {
      const n = await store.transaction((s) => {
        say('in-tx');
        while (!existsSync(args[0]!)); // the test stops this process here, holding the lock
        return inc(s);
      });
      say(`committed ${n}`);
    } catch (e) {
      say(`refused: ${(e as Error).message.split('\n')[0]}`);
    }
  } else if (mode === 'lock-race') {
    const lock = new FileStateStore(dir).lock;
    // CLOCK_MONOTONIC is one clock for every process of the machine. (performance.timeOrigin is
    // not: it pairs a wall-clock and a monotonic reading taken at start-up, and a process
    // descheduled between the two is off by milliseconds for its whole life.)
    const now = () => Number(process.hrtime.bigint()) / 1e6;
    // A second, clock-free witness: a file only a holder may create, gone before it releases.
    const inside = join(dir, 'inside');
    say('ready');
    for await (const _ of createInterface({ input: process.stdin })) {
      const release = await lock.acquire();
      const from = now();
      try {
        writeFileSync(inside, `${process.pid}\n`, { flag: 'wx' });
      } catch {
        say(`overlap: ${process.pid} found ${existsSync(inside) ? readFileSync(inside, 'utf8').trim() : '?'} inside`);
      }
      while (now() - from < 5); // holders keep the lock synchronously, as the store does
      rmSync(inside, { force: true });
      const to = now();
      await release();
      say(JSON.stringify([from, to]));
    }
  } else {
    throw new Error(`unknown mode ${mode}`);
  }
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
