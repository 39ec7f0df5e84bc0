/**
 * The CLI writing into a pipe whose reader went away (`orchestrator status | head -1`): a
 * short command finishes quietly with its usual exit code; `run` stops the way SIGTERM stops it
 * (tasks and workers ended, the interruption recorded), also quietly. Real processes, real pipes.
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { CLI_JS } from '../../orchestrator/run-dir/paths.js';
import { cli, cliEnv, pidAlive, removeDir, status, tempDir, waitFor, writePlan } from '../helpers/cli.js';

interface Ended {
  code: number | null;
  signal: NodeJS.Signals | null;
  firstLine: string;
  stderr: string;
}

/** Runs the CLI with its stdout a pipe that we close once we have read `keepLines` lines. */
function withClosedPipe(args: string[], keepLines: number): { ended: Promise<Ended>; pid: number } {
  const child = spawn(process.execPath, [CLI_JS, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: cliEnv() });
  let out = '';
  let stderr = '';
  const close = () => child.stdout.destroy();
  if (keepLines === 0) close();
  else {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.split('\n').length > keepLines) close();
    });
  }
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const ended = new Promise<Ended>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal, firstLine: out.split('\n')[0]!, stderr })));
  return { ended, pid: child.pid! };
}

describe('cli: a closed output pipe', function () {
  this.timeout(120_000);
  let dir: string;
  beforeEach(() => {
    dir = tempDir('orch-');
  });
  afterEach(() => removeDir(dir));

  it('validate (stdout closed before the first write) ends quietly with exit 0', async () => {
    const r = await withClosedPipe(['validate'], 0).ended;
    expect(r.stderr, 'no stack trace').to.equal('');
    expect(r).to.include({ code: 0, signal: null });
  });

  it('status | head -1: the first line arrives, then exit 0 and nothing on stderr', async () => {
    const plan = writePlan(dir, [{ id: 'A', run: 'true' }, { id: 'B', run: 'true', needs: ['A'] }]);
    const runDir = join(dir, 'run');
    expect((await cli(['run', plan, '--run-dir', runDir])).exitCode).to.equal(0);
    const r = await withClosedPipe(['status', '--run-dir', runDir], 1).ended;
    expect(r.firstLine).to.match(/^test-plan: finished/);
    expect(r.stderr, 'no stack trace').to.equal('');
    expect(r).to.include({ code: 0, signal: null });
  });

  it('run | head -1: the run is stopped as by SIGTERM — interrupted, resumable, no worker left', async () => {
    const plan = writePlan(dir, [
      { id: 'A', run: 'sleep 30' },
      { id: 'B', run: 'sleep 30' },
      { id: 'C', run: 'true', needs: ['A'] },
    ]);
    const runDir = join(dir, 'run');
    const r = await withClosedPipe(['run', plan, '--run-dir', runDir, '--agents', '2', '--quads', '1'], 1).ended;
    expect(r.firstLine).to.match(/^starting test-plan/);
    expect(r.stderr, 'no stack trace').to.not.match(/EPIPE|at .*\.js/);
    expect(r).to.include({ code: 130, signal: null });
    const s = await status(runDir);
    expect(s.status).to.equal('interrupted');
    expect(s.counts.done ?? 0).to.equal(0);
    for (const g of s.groups) if (g.pid) await waitFor(`worker ${g.pid} to be gone`, () => !pidAlive(g.pid!), 15_000);
  });
});
