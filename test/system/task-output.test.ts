/**
 * A task's output, with real processes and files: the task log keeps all of it, the state
 * keeps a bounded tail, the agent log a bounded share and a pointer; a line of many MB without
 * a newline is no different. And what cannot start (a NUL in the environment or the
 * directory, a log name the file system refuses) fails that task, never its worker group.
 */
import { expect } from 'chai';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { execute } from '../../workers/executor.js';
import { OutputTail, MAX_LINE_CHARS } from '../../workers/output-tail.js';
import { runAttempt } from '../../workers/task-runner.js';
import type { TaskDef } from '../../orchestrator/core/plan/plan-types.js';
import { cli, removeDir, tempDir, writePlan } from '../helpers/cli.js';
import { runState } from '../helpers/run-state.js';

describe('task output (real processes)', function () {
  this.timeout(180_000);
  let dir: string;
  beforeEach(() => {
    dir = tempDir('orch-output-');
  });
  afterEach(() => removeDir(dir));

  it('a 20 MB line without a newline: all of it in the task log, a bounded tail in the state (failed) or none (done), a bounded share in the agent log', async () => {
    const mb = 20;
    const plan = writePlan(dir, [
      { id: 'flood', run: `head -c ${mb * 1_000_000} /dev/zero | tr '\\0' x; echo; echo last line; exit 3` },
      { id: 'lines', run: `yes 'some output line' | head -c ${mb * 1_000_000}` },
    ], { agents: [{ name: 'a1', quad: 1 }, { name: 'a2', quad: 1 }] });
    const r = await cli(['run', plan, '--run-dir', dir]);
    expect(r.exitCode, r.stdout + r.stderr).to.equal(1);
    const log = statSync(join(dir, 'logs', 'tasks', 'flood.log')).size;
    expect(log).to.be.greaterThan(mb * 1_000_000);
    expect(statSync(join(dir, 'logs', 'tasks', 'lines.log')).size).to.be.greaterThan(mb * 1_000_000);
    // The state holds a few KB of tail, not the flood.
    expect(statSync(join(dir, '.orchestrator', 'state.json')).size).to.be.lessThan(64 * 1024);
    const s = (await runState(dir))!;
    const tail = s.tasks.flood!.tail ?? [];
    expect(tail.at(-1)).to.equal('last line');
    for (const line of tail) expect(line.length).to.be.at.most(MAX_LINE_CHARS);
    // A task that succeeded keeps no output in the state: its log has it (state/compact.ts).
    expect(s.tasks.lines).to.include({ status: 'done' }).and.not.have.property('tail');
    // Each agent log: a share of its output and where the rest is.
    for (const a of ['a1', 'a2']) {
      const text = readFileSync(join(dir, 'logs', `${a}.log`), 'utf8');
      expect(text.length).to.be.lessThan(64 * 1024);
    }
    const both = readFileSync(join(dir, 'logs', 'a1.log'), 'utf8') + readFileSync(join(dir, 'logs', 'a2.log'), 'utf8');
    expect(both).to.include('the rest of its output is in logs/tasks/lines.log');
  });

  it('the tail is linear and bounded: 64 MB in 64 KB chunks, with and without newlines (pure)', () => {
    const lines: string[] = [];
    const t = new OutputTail(20, (l) => lines.push(l));
    const chunk = Buffer.alloc(65536, 'x');
    for (let i = 0; i < 1024; i++) t.push(chunk);
    t.push('\nend\n');
    expect(t.lines.at(-2)!.length).to.equal(MAX_LINE_CHARS);
    expect(t.lines.at(-1)).to.equal('end');
    const u = new OutputTail(20);
    const many = Buffer.from('ab\n'.repeat(21845));
    for (let i = 0; i < 1024; i++) u.push(many);
    expect(u.lines).to.have.length(20);
    expect(u.lines.every((l) => l === 'ab')).to.equal(true);
  });

  it('a NUL in the environment or the directory fails the spawn, it does not throw', async () => {
    const r = await execute('true', { cwd: dir, env: { BAD: 'a\0b' }, timeoutMs: 10_000, pty: false, onOutput: () => undefined });
    expect(r.spawnError).to.match(/null bytes|ERR_INVALID_ARG_VALUE/i);
    const s = await execute('echo hi; true', { cwd: `${dir}\0x`, env: {}, timeoutMs: 10_000, pty: false, onOutput: () => undefined });
    expect(s.spawnError).to.be.a('string');
  });

  it("a plain command writes straight into its task log, in order with the attempt's own lines; the tail is read back", async () => {
    const def = {
      id: 'd', title: 'd', run: 'readlink /proc/self/fd/1; readlink /proc/self/fd/2 >&2; seq 1 200000; echo last', verify: 'echo verified',
      env: {}, timeoutMs: 60_000, pty: false, needs: [], retries: 0,
    } as unknown as TaskDef;
    const logFile = join(dir, 'd.log');
    const lines: string[] = [];
    const r = await runAttempt({ def, cwd: dir, agent: 'a', attempt: 1, logFile, onLine: (l) => lines.push(l) });
    expect(r.ok, r.reason).to.equal(true);
    const log = readFileSync(logFile, 'utf8').split('\n');
    // Its stdout and stderr are the log file itself: no pipe through the worker.
    expect(log[1]).to.match(/^=== d attempt 1 by a at /);
    expect(log.slice(2, 4)).to.deep.equal([logFile, logFile]);
    expect(log.indexOf('200000')).to.equal(log.indexOf('1') + 199_999);
    expect(log.slice(-5)).to.deep.equal(['last', '--- verify ---', 'verified', log.at(-2)!, '']);
    expect(log.at(-2)).to.match(/^=== ok after \d+ ms ===$/);
    // Read back: the head line by line, the end as the tail (the middle of a flood is skipped).
    expect(lines.slice(0, 3)).to.deep.equal([logFile, logFile, '1']);
    expect(r.tail.at(-1)).to.equal('verified');
    expect(r.tail).to.include('last');
  });

  it('a log name the file system refuses, or a workdir that cannot exist, fails that attempt with the reason', async () => {
    const def = { id: 'x', title: 'x', run: 'echo hi', env: {}, timeoutMs: 10_000, pty: false, needs: [], retries: 0 } as unknown as TaskDef;
    const long = await runAttempt({ def, cwd: dir, agent: 'a', attempt: 1, logFile: join(dir, `${'y'.repeat(300)}.log`) });
    expect(long.ok).to.equal(false);
    expect(long.reason).to.match(/ENAMETOOLONG/);
    const bad = await runAttempt({ def, cwd: `${dir}/w\0x`, agent: 'a', attempt: 1, logFile: join(dir, 'x.log') });
    expect(bad.ok).to.equal(false);
    expect(bad.reason).to.match(/workdir/);
    expect(readFileSync(join(dir, 'x.log'), 'utf8')).to.match(/FAILED: its workdir/);
  });
});
