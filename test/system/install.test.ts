/**
 * Installed as npm links it (`npm link`, `npm install -g .`: a symlink to bin/orchestrator on
 * the PATH): it runs from any folder and names itself `orchestrator` in messages; and
 * bin/orchestrator rebuilds a dist/ older than the sources, or says how to.
 */
import { expect } from 'chai';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { invocation } from '../../orchestrator/run-dir/command-name.js';
import { CLI_BIN, PACKAGE_ROOT } from '../../orchestrator/run-dir/paths.js';
import { removeDir, tempDir } from '../helpers/cli.js';

describe('install: on the PATH through a link, and a stale build', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => (dir = tempDir('install-')));
  afterEach(() => removeDir(dir));

  it('runs from any folder through a symlink on the PATH and names itself `orchestrator`', async () => {
    const binDir = join(dir, 'prefix', 'bin');
    mkdirSync(binDir, { recursive: true });
    symlinkSync(CLI_BIN, join(binDir, 'orchestrator'));
    const elsewhere = join(dir, 'somewhere');
    mkdirSync(elsewhere);
    const env = { ...process.env, PATH: `${binDir}:${process.env.PATH}` };
    const version = await execa('orchestrator', ['--version'], { cwd: elsewhere, env, reject: false });
    expect(version.exitCode, version.stderr).to.equal(0);
    expect(version.stdout.trim()).to.equal((JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version);
    const status = await execa('orchestrator', ['status'], { cwd: elsewhere, env, reject: false });
    expect(status.exitCode).to.equal(2);
    expect(status.stderr).to.include('Start one with orchestrator run or orchestrator launch');
  });

  it('names the command by its path when `orchestrator` is not on the PATH', () => {
    expect(invocation(CLI_BIN, '/', '/nonexistent')).to.equal(CLI_BIN);
    expect(invocation(CLI_BIN, PACKAGE_ROOT, '/nonexistent')).to.equal('bin/orchestrator');
  });

  it('bin/orchestrator rebuilds a stale dist/, or warns when it cannot', async () => {
    // A package of its own: the real script, a built CLI that says it ran, one source file.
    mkdirSync(join(dir, 'bin'));
    mkdirSync(join(dir, 'dist', 'bin'), { recursive: true });
    mkdirSync(join(dir, 'orchestrator'));
    copyFileSync(CLI_BIN, join(dir, 'bin', 'orchestrator'));
    writeFileSync(join(dir, 'dist', 'bin', 'cli.js'), "console.log('ran');\n");
    writeFileSync(join(dir, 'orchestrator', 'a.ts'), 'export {};\n');
    const old = new Date(Date.now() - 60_000);
    utimesSync(join(dir, 'dist', 'bin', 'cli.js'), old, old);
    const bin = join(dir, 'bin', 'orchestrator');

    const warned = await execa(bin, [], { reject: false });
    expect(warned.stdout).to.equal('ran');
    expect(warned.stderr).to.include('dist/ is older than the sources').and.include("run 'npm run build'");

    // With TypeScript installed: it builds (here a compiler that records its call), then runs.
    mkdirSync(join(dir, 'node_modules', '.bin'), { recursive: true });
    writeFileSync(join(dir, 'node_modules', '.bin', 'tsc'), `#!/bin/sh\necho "$@" > "${dir}/built"\ntouch "${dir}/dist/bin/cli.js"\n`);
    chmodSync(join(dir, 'node_modules', '.bin', 'tsc'), 0o755);
    const built = await execa(bin, [], { reject: false });
    expect(built.stdout).to.equal('ran');
    expect(built.stderr).to.include('building');
    expect(readFileSync(join(dir, 'built'), 'utf8').trim()).to.equal('-p tsconfig.json');
    const fresh = await execa(bin, [], { reject: false });
    expect(fresh.stderr).to.equal('');
  });
});
