/**
 * Commands without shell syntax run without /bin/sh (workers/os/simple-command.ts): which ones
 * qualify, and, with real processes, that they run as their own process (the recorded process
 * group's leader is the program), that anything with shell syntax still runs under /bin/sh,
 * and that what a task sees and reports is what the shell gave it (PWD, exit 127 and the
 * shell's message for a program that does not exist).
 */
import { expect } from 'chai';
import { mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { execute } from '../../workers/executor.js';
import { simpleArgv } from '../../workers/os/simple-command.js';
import { cli, cliProcess, removeDir, status, tempDir, waitFor, writePlan } from '../helpers/cli.js';
import { runState } from '../helpers/run-state.js';

describe('simple commands run without a shell', function () {
  this.timeout(120_000);

  describe('which commands qualify (pure)', () => {
    it('plain words of safe characters, first word no shell builtin', () => {
      expect(simpleArgv('true')).to.deep.equal(['true']);
      expect(simpleArgv('sleep 0.2')).to.deep.equal(['sleep', '0.2']);
      expect(simpleArgv('  make  -C build/x all ')).to.deep.equal(['make', '-C', 'build/x', 'all']);
      expect(simpleArgv('./scripts/check.sh --fast user@host:/a,b+c%d')).to.deep.equal(['./scripts/check.sh', '--fast', 'user@host:/a,b+c%d']);
      expect(simpleArgv('false')).to.deep.equal(['false']);
    });

    it('anything a shell would interpret goes to the shell', () => {
      const shell = [
        'echo "hi"', "echo 'hi'", 'echo $HOME', 'echo `date`', 'a\\ b', 'a; b', 'a && b', 'a | b', 'a > f', 'a < f', 'a & b', '(a)', '{ a; }',
        'ls *.ts', 'ls ?', 'ls [ab]', 'ls ~', 'a # comment', 'FOO=1 env', 'a\nb', 'a\tb', 'ls !x', 'a ^b', '',  '   ',
      ];
      for (const c of shell) expect(simpleArgv(c), JSON.stringify(c)).to.equal(undefined);
    });

    it('shell keywords and builtins go to the shell, true and false do not', () => {
      for (const c of ['cd build', 'exit 3', 'export A', 'set -e', 'exec sleep 1', 'echo hi', 'printf x', 'test -f x', 'pwd', 'kill 1', 'wait', ': x', '. ./env', 'source x', 'if', 'while', 'ulimit -n', 'umask 077', 'read x', 'trap x', 'type ls', 'command -v ls', 'eval x', 'shift', 'unset A', 'readonly A', 'times', 'alias', 'hash']) {
        expect(simpleArgv(c), c).to.equal(undefined);
      }
      expect(simpleArgv('true 1 2')).to.deep.equal(['true', '1', '2']);
    });
  });

  describe('real processes', () => {
    let dir: string;
    beforeEach(() => {
      dir = tempDir('orch-simple-');
    });
    afterEach(() => removeDir(dir));

    const leader = (pgid: number) => readFileSync(`/proc/${pgid}/cmdline`, 'utf8').split('\0').filter(Boolean);

    it('a run records the program itself as its process group leader; with shell syntax, /bin/sh', async () => {
      const plan = writePlan(dir, [
        { id: 'plain', run: 'sleep 30' },
        { id: 'shell', run: 'sleep 30; true' },
      ]);
      const run = cliProcess(['run', plan, '--run-dir', dir, '--agents', '2', '--quads', '1']);
      try {
        const pgids = await waitFor('both tasks running with their process groups recorded', async () => {
          const s = await runState(dir);
          const p = s?.tasks.plain?.pgid;
          const q = s?.tasks.shell?.pgid;
          return p && q ? { plain: p, shell: q } : undefined;
        }, 60_000, 100);
        expect(leader(pgids.plain)).to.deep.equal(['sleep', '30']);
        expect(leader(pgids.shell)).to.deep.equal(['/bin/sh', '-c', 'sleep 30; true']);
      } finally {
        run.kill('SIGTERM');
        await run;
      }
    });

    it('a program that does not exist: exit 127 and the shell\'s message, as before', async () => {
      const plan = writePlan(dir, [{ id: 'missing', run: 'no-such-program-xyz --flag' }]);
      const r = await cli(['run', plan, '--run-dir', dir, '--agents', '1', '--quads', '1']);
      expect(r.exitCode, r.stdout + r.stderr).to.equal(1);
      const t = (await status(dir)).tasks.find((x) => x.id === 'missing')!;
      expect(t.status).to.equal('failed');
      expect(t.exitCode).to.equal(127);
      expect(t.reason).to.equal('run exited with 127');
      expect(readFileSync(join(dir, 'logs', 'tasks', 'missing.log'), 'utf8')).to.match(/no-such-program-xyz: not found/);
    });

    it('the program sees the PWD the shell would have exported (here through a symlink)', async () => {
      mkdirSync(join(dir, 'real'));
      symlinkSync(join(dir, 'real'), join(dir, 'link'));
      const pwdOf = async (cmd: string) => {
        let out = '';
        const r = await execute(cmd, { cwd: join(dir, 'link'), env: {}, timeoutMs: 20_000, pty: false, onOutput: (c) => (out += c) });
        expect(r.exitCode, out).to.equal(0);
        return out.split('\n').filter((l) => l.startsWith('PWD='));
      };
      const viaShell = await pwdOf('env; true');
      expect(viaShell).to.have.length(1);
      expect(await pwdOf('env')).to.deep.equal(viaShell);
    });

    it('exit codes and output are the program\'s, and a timeout ends it', async () => {
      let out = '';
      const r = await execute('ls -d /', { cwd: dir, env: {}, timeoutMs: 20_000, pty: false, onOutput: (c) => (out += c) });
      expect([r.exitCode, out]).to.deep.equal([0, '/\n']);
      expect((await execute('false', { cwd: dir, env: {}, timeoutMs: 20_000, pty: false, onOutput: () => undefined })).exitCode).to.equal(1);
      const t = await execute('sleep 30', { cwd: dir, env: {}, timeoutMs: 300, pty: false, onOutput: () => undefined });
      expect(t.timedOut).to.equal(true);
      expect(t.signal).to.equal('SIGTERM');
    });
  });
});
