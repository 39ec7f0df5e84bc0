/**
 * Every file the run writes is its own: a symbolic link planted where a log, the events file,
 * an agent or task log, or the state and log folders will be is refused by name before anything
 * is written, and never written through (O_NOFOLLOW at every open, for links planted later).
 * The folders are created 0700 and the files 0600 (logs and state may hold `env` values).
 */
import { expect } from 'chai';
import { mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StateError } from '../../state/errors.js';
import { appendPrivate } from '../../state/private-file.js';
import { writeFileAtomic } from '../../state/atomic-write.js';
import { cli, removeDir, tempDir, writePlan } from '../helpers/cli.js';

describe('run files: no symbolic links followed, private modes (real runs)', function () {
  this.timeout(120_000);
  let dir: string;
  let outside: string;
  let victim: string;
  beforeEach(() => {
    dir = tempDir('orch-links-');
    outside = tempDir('orch-victim-');
    victim = join(outside, 'victim.txt');
    writeFileSync(victim, 'precious\n');
  });
  afterEach(() => {
    removeDir(dir);
    removeDir(outside);
  });

  const agent = 'Agent-01'; // the first generic agent of a plan without agents:
  const links: Array<[string, (d: string) => string, boolean]> = [
    ['logs/orchestrator.log', (d) => join(d, 'logs', 'orchestrator.log'), false],
    ['logs/events.jsonl', (d) => join(d, 'logs', 'events.jsonl'), false],
    ['an agent log', (d) => join(d, 'logs', `${agent}.log`), false],
    ['a task log', (d) => join(d, 'logs', 'tasks', 'A.log'), false],
    ['logs/keep_alive.log', (d) => join(d, 'logs', 'keep_alive.log'), false],
    ['the logs folder', (d) => join(d, 'logs'), true],
    ['the state folder', (d) => join(d, '.orchestrator'), true],
  ];
  for (const [what, where, isDir] of links) {
    it(`${what} as a symbolic link: refused by name (exit 2), its target untouched`, async () => {
      const plan = writePlan(dir, [{ id: 'A', run: 'echo hello' }]);
      const link = where(dir);
      mkdirSync(join(link, '..'), { recursive: true });
      if (isDir) symlinkSync(outside, link);
      else symlinkSync(victim, link);
      const r = await cli(['run', plan, '--run-dir', dir], { timeoutMs: 60_000 });
      expect(r.exitCode, r.stdout + r.stderr).to.equal(2);
      expect(r.stderr).to.include(`${link} is a symbolic link`);
      expect(r.stderr).to.not.match(/internal error|\n\s+at /);
      expect(readFileSync(victim, 'utf8')).to.equal('precious\n');
      expect(readdirSync(outside)).to.deep.equal(['victim.txt']);
    });
  }

  it('a link planted after the checks is never written through (O_NOFOLLOW at the open)', () => {
    const link = join(dir, 'orchestrator.log');
    symlinkSync(victim, link);
    expect(() => appendPrivate(link, 'x\n')).to.throw(StateError, /is a symbolic link/);
    symlinkSync(victim, join(dir, `state.json.tmp-${process.pid}`));
    expect(() => writeFileAtomic(join(dir, 'state.json'), '{}')).to.throw(StateError, /is a symbolic link/);
    expect(readFileSync(victim, 'utf8')).to.equal('precious\n');
  });

  it('folders 0700, files 0600', async () => {
    const plan = writePlan(dir, [{ id: 'A', run: 'echo hello' }, { id: 'B', run: 'echo world', needs: ['A'] }]);
    const r = await cli(['run', plan, '--run-dir', dir], { timeoutMs: 60_000 });
    expect(r.exitCode, r.stderr).to.equal(0);
    for (const folder of ['.orchestrator', 'logs', join('logs', 'tasks')]) {
      expect((statSync(join(dir, folder)).mode & 0o777).toString(8), folder).to.equal('700');
      for (const f of readdirSync(join(dir, folder), { withFileTypes: true })) {
        if (f.isFile()) expect((statSync(join(dir, folder, f.name)).mode & 0o777).toString(8), join(folder, f.name)).to.equal('600');
      }
    }
  });
});
