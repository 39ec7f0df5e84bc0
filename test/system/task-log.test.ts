/**
 * A plain task's stdout and stderr go straight into its log file (no pipes): each attempt's
 * header comes first, then the output as the command wrote it, then the verdict; the output
 * is still read back for the agent's view (live, for a command that runs a while) and for
 * the tail of a failure. Real processes, real files.
 */
import { expect } from 'chai';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TaskDef } from '../../orchestrator/core/plan/plan-types.js';
import { runAttempt } from '../../workers/task-runner.js';
import { removeDir, tempDir } from '../helpers/cli.js';

const def = (run: string, extra: Partial<TaskDef> = {}): TaskDef => ({ id: 'T1', title: 't', needs: [], run, env: {}, timeoutMs: 30_000, retries: 0, pty: false, index: 0, ...extra });

describe('task log: output straight into the log file', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => (dir = tempDir('orch-tasklog-')));
  afterEach(() => removeDir(dir));

  it('logs header, stdout and stderr, and the verdict of every attempt, and keeps the tail', async () => {
    const logFile = join(dir, 'T1.log');
    const lines: string[] = [];
    const r1 = await runAttempt({ def: def("echo out; echo 'é€ err' >&2; exit 3"), cwd: dir, agent: 'a1', attempt: 1, logFile, onLine: (l) => lines.push(l) });
    expect(r1).to.include({ ok: false, exitCode: 3 });
    expect(r1.tail).to.deep.equal(['out', 'é€ err']);
    expect(lines).to.deep.equal(['out', 'é€ err']);
    const r2 = await runAttempt({ def: def('echo again'), cwd: dir, agent: 'a2', attempt: 2, logFile });
    expect(r2.ok).to.equal(true);
    const log = readFileSync(logFile, 'utf8');
    expect(log).to.match(/^\n=== T1 attempt 1 by a1 at [^\n]+ ===\nout\né€ err\n=== FAILED: run exited with 3 after \d+ ms ===\n\n=== T1 attempt 2 by a2 at [^\n]+ ===\nagain\n=== ok after \d+ ms ===\n$/);
  });

  it('an attempt whose command prints nothing (or cannot start) is still logged', async () => {
    const logFile = join(dir, 'T1.log');
    await runAttempt({ def: def('true'), cwd: dir, agent: 'a1', attempt: 1, logFile });
    const r = await runAttempt({ def: def('no-such-program-xyz'), cwd: dir, agent: 'a1', attempt: 2, logFile });
    expect(r.ok).to.equal(false);
    const log = readFileSync(logFile, 'utf8');
    expect(log).to.match(/=== T1 attempt 1 by a1 [^\n]+ ===\n=== ok after/);
    expect(log).to.match(/=== T1 attempt 2 by a1 [^\n]+ ===\n[^\n]*not found\n=== FAILED: run exited with 127/);
  });

  it('shows the output of a running command before it ends', async () => {
    // The command waits until the test has seen its first line: without live reading it would
    // run into its timeout.
    const logFile = join(dir, 'T1.log');
    const seen: string[] = [];
    const onLine = (l: string) => {
      seen.push(l);
      if (l === 'first') writeFileSync(join(dir, 'go'), '');
    };
    const r = await runAttempt({ def: def('echo first; while [ ! -f go ]; do sleep 0.05; done; echo second', { timeoutMs: 20_000 }), cwd: dir, agent: 'a1', attempt: 1, logFile, onLine });
    expect(r).to.include({ ok: true, exitCode: 0 });
    expect(seen).to.deep.equal(['first', 'second']);
  });

  it('logs the verify step after the run, under its own line', async () => {
    const logFile = join(dir, 'T1.log');
    const r = await runAttempt({ def: def('echo built', { verify: 'echo checked; exit 1' }), cwd: dir, agent: 'a1', attempt: 1, logFile });
    expect(r.ok).to.equal(false);
    expect(readFileSync(logFile, 'utf8')).to.match(/===\nbuilt\n--- verify ---\nchecked\n=== FAILED: verify exited with 1/);
  });
});
