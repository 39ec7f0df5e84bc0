/**
 * A full or read-only disk under a run, for real: a 2 MB tmpfs filled by a task, and
 * a read-only bind mount of a finished run. Clear messages naming the folder and the fix, no
 * stack traces, a full disk interrupts the run (with the reason in the event log) and the run
 * resumes once space is freed; a read-only one is exit 2 for run, state recover and retry.
 * Mounting needs root (or CAP_SYS_ADMIN): without it these tests are skipped, saying why.
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdirSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { cli, events, removeDir, tempDir, writePlan } from '../helpers/cli.js';

function mount(args: string[]): string | undefined {
  try {
    execFileSync('mount', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    return undefined;
  } catch (e) {
    return String((e as { stderr?: Buffer }).stderr ?? e).trim() || 'mount failed';
  }
}
const umount = (dir: string) => {
  try {
    execFileSync('umount', [dir], { stdio: 'ignore' });
  } catch {
    // not mounted
  }
};
const noTrace = (text: string) => expect(text).to.not.match(/internal error|\n\s+at .+:\d+:\d+/);

describe('full and read-only disks (real mounts)', function () {
  this.timeout(180_000);
  let dir: string;
  let mnt: string;
  beforeEach(() => {
    dir = tempDir('orch-disk-');
    mnt = join(dir, 'mnt');
    mkdirSync(mnt);
  });
  afterEach(() => {
    umount(mnt);
    umount(mnt);
    removeDir(dir);
  });

  it('a full disk interrupts the run with a clear message (exit 130), and it resumes once space is freed', async function () {
    const why = mount(['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mnt]);
    if (why) {
      console.log(`      skipped: cannot mount a small tmpfs here (${why})`);
      this.skip();
    }
    // The task fills the disk itself, to the last byte (its output would not: a task's log
    // stops at the first refused write, and the state, which keeps no output, still fits).
    // It fills only once: after the space is freed, its file stays as an empty marker. The 20
    // tasks after it write the state well past the free end of its files' last pages (a small
    // append into a page already held needs no space).
    const after = Array.from({ length: 20 }, (_, i) => ({ id: `T${i + 1}`, run: 'true', needs: ['fill'] }));
    const plan = writePlan(dir, [
      { id: 'fill', run: '[ -e big.bin ] || head -c 3000000 /dev/zero > big.bin; true' },
      ...after,
    ], { workdir: mnt, agents: [{ name: 'a1', quad: 1 }, { name: 'a2', quad: 2 }] });
    const r = await cli(['run', plan, '--run-dir', mnt]);
    const all = r.stdout + r.stderr;
    expect(r.exitCode, all).to.equal(130);
    expect(all).to.include(`no space left on the disk holding ${mnt}`).and.include('free some space');
    noTrace(all);
    // Recorded with its reason when the disk still takes a few bytes (a tmpfs page being filled), else said.
    // (The event log may be refused even when the state took it.)
    const stop = events(mnt).find((e) => e.type === 'run-interrupted');
    if (stop) expect(stop.reason).to.match(/no space left/);
    truncateSync(join(mnt, 'big.bin'));
    const again = await cli(['run', plan, '--run-dir', mnt]);
    expect(again.exitCode, again.stdout + again.stderr).to.equal(0);
  });

  it('a read-only run directory: run, state recover and retry say so, exit 2, no stack trace', async function () {
    const plan = writePlan(dir, [{ id: 'A', run: 'false' }], { agents: [{ name: 'a1', quad: 1 }] });
    const run = join(dir, 'run');
    mkdirSync(run);
    expect((await cli(['run', plan, '--run-dir', run])).exitCode).to.equal(1);
    const why = mount(['--bind', run, mnt]) ?? mount(['-o', 'remount,bind,ro', mnt]);
    if (why) {
      console.log(`      skipped: cannot make a read-only bind mount here (${why})`);
      this.skip();
    }
    for (const args of [['run', plan], ['state', 'recover'], ['retry', 'A']]) {
      const r = await cli([...args, '--run-dir', mnt]);
      expect(r.exitCode, `${args.join(' ')}: ${r.stdout}${r.stderr}`).to.equal(2);
      expect(r.stderr).to.include(`${mnt}/.orchestrator`).and.to.match(/read-only file system|EROFS/i);
      noTrace(r.stdout + r.stderr);
    }
  });
});
