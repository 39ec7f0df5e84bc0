/**
 * The state store refuses what it cannot trust and never leaves what it cannot read: a
 * repeated or skipped sequence number is a StateError with the file and byte offset, a lock
 * held too long is a StateError naming its holder, a snapshot that is gone while its backup
 * and journals are there is not silently replaced, and a write that fails on a full disk
 * leaves no torn line. Real files and processes.
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StateError } from '../../state/errors.js';
import { CLI_JS, PACKAGE_ROOT } from '../../orchestrator/run-dir/paths.js';
import { journalName } from '../../state/journal.js';
import { FileStateStore } from '../../state/store.js';
import { counterState, increment } from '../support/counter.js';
import { killHard, storeChild, waitForLine, type Child } from '../support/procs.js';
import { removeDir, tempDir } from '../helpers/cli.js';

async function opened(dir: string): Promise<FileStateStore> {
  const s = new FileStateStore(dir);
  await s.open();
  return s;
}

async function openError(dir: string): Promise<Error> {
  try {
    await opened(dir);
  } catch (e) {
    return e as Error;
  }
  throw new Error('the store opened');
}

describe('state store integrity', function () {
  this.timeout(60_000);
  let dir: string;
  let journal: string;
  let children: Child[] = [];
  beforeEach(async () => {
    dir = join(tempDir('orch-'), '.orchestrator');
    journal = join(dir, journalName(0));
    const s = await FileStateStore.create(dir, counterState());
    for (let i = 0; i < 4; i++) await s.transaction(increment('a'));
    await s.close();
  });
  afterEach(async () => {
    for (const c of children) await killHard(c);
    children = [];
    removeDir(join(dir, '..'));
  });

  const lines = () => readFileSync(journal, 'utf8').split('\n').filter(Boolean);

  it('a repeated sequence number is refused with the file and byte offset (not skipped)', async () => {
    const l = lines();
    const at = Buffer.byteLength(l.slice(0, 3).join('\n') + '\n');
    // Line 3 written twice: what a second holder appending from a stale copy leaves.
    writeFileSync(journal, [...l.slice(0, 3), l[2], l[3]].join('\n') + '\n');
    const err = await openError(dir);
    expect(err).to.be.instanceOf(StateError);
    expect(err.message).to.contain(`the journal ${journal} repeats sequence 3 at byte ${at}`);
    expect(err.message).to.contain('orchestrator state recover');
  });

  it('a skipped sequence number is refused the same way', async () => {
    const l = lines();
    const at = Buffer.byteLength(l.slice(0, 2).join('\n') + '\n');
    writeFileSync(journal, [...l.slice(0, 2), l[3]].join('\n') + '\n');
    const err = await openError(dir);
    expect(err).to.be.instanceOf(StateError);
    expect(err.message).to.contain(`skips from sequence 2 to 4 at byte ${at}`);
  });

  it('a lock not given up in time is a StateError naming the holder\'s pid', async () => {
    const holder = storeChild(['hold-lock', dir]);
    children.push(holder);
    await waitForLine(holder, 'locked');
    const s = await opened(dir);
    s.lock.giveUpMs = 1500;
    let err: unknown;
    await s.transaction(increment('b')).catch((e) => (err = e));
    expect(err).to.be.instanceOf(StateError);
    expect((err as Error).message).to.match(new RegExp(`could not lock the state .* held by pid ${holder.proc.pid}, taken \\d+ s ago`));
    expect((err as Error).message).to.contain(`If pid ${holder.proc.pid} is stuck`);
  });

  it('a deleted state.json is not replaced: open and create refuse and point to recover; the journal is left as it was', async () => {
    const before = readFileSync(journal);
    unlinkSync(join(dir, 'state.json'));
    const err = await openError(dir);
    expect(err).to.be.instanceOf(StateError);
    expect(err.message).to.contain(`the state file ${join(dir, 'state.json')} is missing, but journal.0.jsonl, state.json.prev of a run are there`);
    expect(err.message).to.contain('orchestrator state recover');
    let created: unknown;
    await FileStateStore.create(dir, counterState()).catch((e) => (created = e));
    expect(created).to.be.instanceOf(StateError);
    expect((created as Error).message).to.contain('orchestrator state recover');
    expect(readFileSync(journal).equals(before), 'the journal is not truncated').to.equal(true);
  });

  it('an unreadable state.json is a StateError, not an internal error', async () => {
    rmSync(join(dir, 'state.json'));
    mkdirSync(join(dir, 'state.json')); // a directory where the file should be: EISDIR on read
    const err = await openError(dir);
    expect(err).to.be.instanceOf(StateError);
    expect(err.message).to.contain(`the state file ${join(dir, 'state.json')} cannot be read (EISDIR)`);
  });

  it('a torn line a dead writer left is cut off by the next commit even when that commit starts with a reload', async () => {
    appendFileSync(journal, '{"s":5,"o":[{"op":"ta');
    const s = await opened(dir);
    // A replaced snapshot identity makes the next commit reload first (as after a refused write).
    (s as unknown as { state: undefined }).state = undefined;
    expect(await s.transaction(increment('b'))).to.equal(5);
    expect(lines().map((l) => (JSON.parse(l) as { s: number }).s)).to.deep.equal([1, 2, 3, 4, 5]);
  });
});

/** Runs test/support/full-disk.ts in a mount namespace with a small tmpfs (root or user namespaces needed). */
function inSmallTmpfs(): { ok: boolean; out: string } {
  const script = fileURLToPath(new URL('../support/full-disk.ts', import.meta.url));
  const r = spawnSync('unshare', ['-rm', 'sh', '-c', `d=$(mktemp -d) && mount -t tmpfs -o size=256k tmpfs "$d" && exec "$0" --import tsx "$1" "$d"`, process.execPath, script], {
    cwd: PACKAGE_ROOT, encoding: 'utf8', timeout: 60_000,
  });
  return { ok: r.status === 0, out: `${r.stdout}${r.stderr}` };
}

describe('state store on a full disk (tmpfs in a private mount namespace)', function () {
  this.timeout(90_000);

  it('ENOSPC on append is a StateError naming the folder; no torn line is left; after space is freed the store goes on', function () {
    const probe = spawnSync('unshare', ['-rm', 'true']);
    if (probe.status !== 0) this.skip(); // no user namespaces here: cannot make a small disk
    const { ok, out } = inSmallTmpfs();
    expect(ok, out).to.equal(true);
    const report = JSON.parse(out.trim().split('\n').pop()!) as { error: string; name: string; tornAfter: boolean; seqAfter: number; committed: number; resumed: number };
    expect(report.name).to.equal('StateError');
    expect(report.error).to.match(/^no space left to append to the journal in the state folder .*\(ENOSPC\)/);
    expect(report.error).to.contain('Free space');
    expect(report.tornAfter, 'a torn line left behind').to.equal(false);
    expect(report.seqAfter).to.equal(report.committed);
    expect(report.resumed).to.equal(report.committed + 1);
  });
});

describe('state store on a read-only file system (tmpfs remounted read-only, private mount namespace)', function () {
  // Deadlines only: four CLI runs (one a whole run) took minutes on a starved shared machine.
  this.timeout(600_000);

  it('run, retry and state recover say which folder cannot be written and exit 2, with no stack trace', function () {
    const probe = spawnSync('unshare', ['-rm', 'true']);
    if (probe.status !== 0) this.skip(); // no user namespaces here: cannot make a read-only disk
    const script = [
      'set -u',
      'd=$(mktemp -d) && mount -t tmpfs tmpfs "$d" || exit 90',
      'printf "version: 1\\nname: ro\\ntasks:\\n  - id: A\\n    run: \\"false\\"\\n" > "$d/plan.yaml"',
      '"$0" "$1" run "$d/plan.yaml" --run-dir "$d" --agents 1 --quads 1 > /dev/null 2>&1; echo "first run exit $?"',
      'mount -o remount,ro "$d" || exit 91',
      'for c in "run $d/plan.yaml --run-dir $d --agents 1 --quads 1" "retry A --run-dir $d" "state recover --run-dir $d"; do',
      '  echo "== $c"; "$0" "$1" $c 2>&1; echo "exit $?"',
      'done',
    ].join('\n');
    const r = spawnSync('unshare', ['-rm', 'sh', '-c', script, process.execPath, CLI_JS], { cwd: PACKAGE_ROOT, encoding: 'utf8', timeout: 480_000 });
    const out = `${r.stdout}${r.stderr}`;
    expect(r.status, out).to.equal(0);
    expect(out).to.contain('first run exit 1'); // A failed: something to retry
    const sections = out.split('== ').slice(1);
    expect(sections, out).to.have.length(3);
    for (const s of sections) {
      expect(s, s).to.match(/state error: the state folder \/\S+\/\.orchestrator cannot be written \(EROFS: read-only file system\)/);
      expect(s, s).to.contain('Make it writable');
      expect(s, s).to.match(/exit 2\n$/);
      expect(s, s).to.not.match(/internal error|\n\s+at /);
    }
  });
});
