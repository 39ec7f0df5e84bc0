/**
 * Snapshots carry a checksum of their state text: one this code wrote loads without the zod
 * check (and without loading zod at all), anything else — edited by hand, damaged, written
 * without a sum — gets the full check. Real files; a real child process for what it loads.
 */
import { expect } from 'chai';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { execa } from 'execa';
import { StateError } from '../../state/errors.js';
import { PACKAGE_ROOT } from '../../orchestrator/run-dir/paths.js';
import { FileStateStore, loadSnapshot } from '../../state/store.js';
import { COUNTER, counterState, increment } from '../support/counter.js';
import { removeDir, tempDir } from '../helpers/cli.js';

describe('state snapshots: checksum, and the zod check when it does not vouch', function () {
  this.timeout(60_000);
  let dir: string;
  let file: string;
  beforeEach(async () => {
    dir = join(tempDir('orch-snap-'), '.orchestrator');
    file = join(dir, 'state.json');
    await (await FileStateStore.create(dir, counterState(3))).close();
  });
  afterEach(() => removeDir(join(dir, '..')));

  const edit = (fn: (text: string) => string) => writeFileSync(file, fn(readFileSync(file, 'utf8')));

  it('writes the sha256 of its header numbers and state text in the header and reads the state back unchanged', () => {
    const text = readFileSync(file, 'utf8');
    expect(text).to.match(/^\{"schema":1,"gen":0,"seq":0,"sum":"[0-9a-f]{64}","state":\{/);
    const snap = loadSnapshot(file);
    expect(snap.state.tasks[COUNTER]).to.deep.equal({ id: COUNTER, status: 'pending', hash: `h-${COUNTER}`, attempts: 0 });
    expect(Object.keys(snap.state.tasks)).to.have.length(4);
  });

  it('a state edited by hand no longer matches its sum: still accepted when it is a valid state', () => {
    edit((t) => t.replace('"attempts":0', '"attempts":7'));
    expect(loadSnapshot(file).state.tasks[COUNTER]!.attempts).to.equal(7);
  });

  it('a state edited into an invalid one is refused with where it is wrong and how to recover', () => {
    edit((t) => t.replace('"status":"pending"', '"status":"bogus"'));
    const err = (() => {
      try {
        loadSnapshot(file);
      } catch (e) {
        return e;
      }
    })();
    expect(err).to.be.instanceOf(StateError);
    expect((err as StateError).message).to.match(/invalid at state\.tasks\.counter\.status/);
    expect((err as StateError).hint).to.match(/orchestrator state recover/);
  });

  it('the sum covers the header too: a generation number changed by hand is checked in full', () => {
    edit((t) => t.replace('"seq":0,', '"seq":-1,'));
    expect(() => loadSnapshot(file)).to.throw(StateError, /invalid at seq/);
  });

  it('a snapshot without a sum (an older version wrote it) is checked in full and accepted', () => {
    edit((t) => t.replace(/,"sum":"[0-9a-f]{64}"/, ''));
    expect(readFileSync(file, 'utf8')).to.not.include('"sum"');
    expect(loadSnapshot(file).state.tasks[COUNTER]!.status).to.equal('pending');
  });

  it('a process that only reads and writes its own snapshots never loads zod; one that must check does', async () => {
    const script = `
      import { createRequire } from 'node:module';
      import { FileStateStore, loadSnapshot } from ${JSON.stringify(resolve(PACKAGE_ROOT, 'state/store.ts'))};
      import { increment } from ${JSON.stringify(resolve(PACKAGE_ROOT, 'test/support/counter.ts'))};
      const zodLoaded = () => Object.keys(createRequire(import.meta.url).cache).some((k) => k.includes('/node_modules/zod/'));
      const store = new FileStateStore(process.argv[1], { compactBytes: 1 });
      await store.open();
      for (let i = 0; i < 40; i++) await store.transaction(increment('child'));
      const before = zodLoaded();
      loadSnapshot(process.argv[2]);
      console.log(JSON.stringify({ gen: loadSnapshot(process.argv[1] + '/state.json').gen, before, after: zodLoaded() }));
      await store.close();`;
    const unsummed = join(dirname(dir), 'old-state.json');
    writeFileSync(unsummed, readFileSync(file, 'utf8').replace(/,"sum":"[0-9a-f]{64}"/, ''));
    const r = await execa(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, dir, unsummed], { cwd: PACKAGE_ROOT, reject: false });
    expect(r.exitCode, r.stderr).to.equal(0);
    const out = JSON.parse(r.stdout) as { gen: number; before: boolean; after: boolean };
    expect(out.gen, 'compactions happened').to.be.above(0);
    expect([out.before, out.after]).to.deep.equal([false, true]);
  });

  it("zod is not in the worker group's static imports (it is loaded on demand only)", () => {
    const seen = new Set<string>();
    const reaches: string[] = [];
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const src = readFileSync(file, 'utf8');
      for (const m of src.matchAll(/^import\s+(?!type\s)[^'";]*?from\s+'([^']+)'/gm)) {
        const spec = m[1]!;
        if (spec === 'zod' || spec.startsWith('zod/')) reaches.push(file);
        if (spec.startsWith('.')) visit(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
      }
    };
    visit(join(PACKAGE_ROOT, 'bin', 'worker-cli.ts'));
    expect(seen.size, 'the walk found the worker modules').to.be.above(20);
    expect(reaches).to.deep.equal([]);
  });

  it('the store keeps working on a run whose snapshot an older version wrote', async () => {
    edit((t) => t.replace(/,"sum":"[0-9a-f]{64}"/, ''));
    const s = new FileStateStore(dir, { compactBytes: 1 });
    await s.open();
    for (let i = 1; i <= 40; i++) expect(await s.transaction(increment('x'))).to.equal(i);
    await s.close();
    expect(readFileSync(file, 'utf8')).to.match(/"sum":"[0-9a-f]{64}"/);
  });

  it("an older version's snapshot with finished tasks' output loads, and its next generation drops that output", async () => {
    const old = counterState(0);
    const tail = Array.from({ length: 10 }, (_, k) => `line ${k} ${'x'.repeat(390)}`);
    for (let i = 0; i < 100; i++) {
      old.tasks[`D${i}`] = { id: `D${i}`, status: 'done', hash: 'h', attempts: 1, agent: 'a', quad: 1, fence: i, readyAt: 1, claimedAt: 2, startedAt: 2, finishedAt: 3, durationMs: 1, exitCode: 0, signal: null, tail };
    }
    old.tasks.F = { id: 'F', status: 'failed', hash: 'h', attempts: 1, exitCode: 1, signal: null, reason: 'run exited with 1', tail };
    // As an older version wrote it: no checksum, so it gets the full schema check.
    const text = JSON.stringify({ schema: 1, gen: 0, seq: 0, state: old });
    writeFileSync(file, text);
    const s = new FileStateStore(dir, { compactBytes: 1 });
    await s.open();
    expect(s.read().tasks.D0!.tail).to.have.length(10);
    // A journal past twice the snapshot's size makes the next commit compact.
    await s.transaction((st) => ({ ops: [{ op: 'task', v: { ...st.tasks[COUNTER]!, reason: 'y'.repeat(text.length * 2) } }], value: 0 }));
    await s.close();
    const after = loadSnapshot(file);
    expect(after.gen).to.equal(1);
    const done = Object.values(after.state.tasks).filter((t) => t.id.startsWith('D'));
    expect(JSON.stringify(done).length / done.length).to.be.lessThan(200);
    expect(after.state.tasks.D7).to.deep.equal({ id: 'D7', status: 'done', hash: 'h', attempts: 1, agent: 'a', quad: 1, fence: 7, claimedAt: 2, startedAt: 2, finishedAt: 3, durationMs: 1, exitCode: 0 });
    expect(after.state.tasks.F!.tail).to.deep.equal(tail);
    // A reader that had the old state follows the new generation.
    const reader = new FileStateStore(dir);
    await reader.open();
    expect(reader.read().tasks.D0).to.not.have.property('tail');
    expect(reader.read().tasks[COUNTER]!.reason).to.have.length(text.length * 2);
    await reader.close();
  });
});
