/**
 * The engine end to end: real runs of the built CLI, real worker processes, real tasks.
 */
import { expect } from 'chai';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, cliProcess, events, pidAlive, removeDir, status, tempDir, waitFor, writePlan } from '../helpers/cli.js';
import { DEFAULT_AGENTS } from '../../orchestrator/core/plan/default-agents.js';
import { Gate } from '../helpers/gate.js';
import { doneCount, runState } from '../helpers/run-state.js';

describe('engine (real runs)', function () {
  this.timeout(120_000);
  let dir: string;
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(() => removeDir(dir));

  it('runs the bundled default plan to completion', async () => {
    const r = await cli(['run', '--run-dir', dir]);
    expect(r.exitCode, r.stdout + r.stderr).to.equal(0);
    const s = await status(dir);
    expect(s.counts.done).to.equal(20);
    for (const a of DEFAULT_AGENTS) expect(existsSync(join(dir, 'logs', `${a.name}.log`)), a.name).to.equal(true);
    const ev = events(dir);
    for (const t of s.tasks) {
      expect(ev.some((e) => e.type === 'claimed' && e.task === t.id), `claim of ${t.id}`).to.equal(true);
      expect(ev.some((e) => e.type === 'finished' && e.task === t.id), `finish of ${t.id}`).to.equal(true);
      expect(existsSync(join(dir, 'logs', 'tasks', `${t.id}.log`))).to.equal(true);
    }
    // The generated scaffold's own unit tests pass.
    const work = join(dir, 'build', 'heygen-clone');
    expect(existsSync(work)).to.equal(true);
    expect(r.stdout).to.match(/makespan .* \(lower bound/);
  });

  it('blocks the dependents of a task that fails for good and finishes the rest (exit 1)', async () => {
    const plan = writePlan(dir, [
      { id: 'a', run: 'true' },
      { id: 'good', run: 'true', needs: ['a'] },
      { id: 'bad', run: 'echo attempt >> attempts.txt; exit 3', needs: ['a'], retries: 2 },
      { id: 'join', run: 'true', needs: ['good', 'bad'] },
      { id: 'after', run: 'true', needs: ['join'] },
      { id: 'side', run: 'true', needs: ['good'] },
    ]);
    const r = await cli(['run', plan, '--run-dir', dir, '--agents', '4', '--quads', '2']);
    expect(r.exitCode, r.stdout + r.stderr).to.equal(1);
    const s = await status(dir);
    const by = Object.fromEntries(s.tasks.map((t) => [t.id, t]));
    expect(by.bad!.status).to.equal('failed');
    expect(by.bad!.attempts).to.equal(3);
    expect(by.bad!.exitCode).to.equal(3);
    expect(readFileSync(join(dir, 'work', 'attempts.txt'), 'utf8').trim().split('\n')).to.have.length(3);
    expect([by.join!.status, by.after!.status]).to.deep.equal(['blocked', 'blocked']);
    expect(by.join!.reason).to.match(/bad/);
    expect([by.a!.status, by.good!.status, by.side!.status]).to.deep.equal(['done', 'done', 'done']);
  });

  it('starts the critical chain first even when it is listed last', async () => {
    // Judged from the order of claims, not the clock. With 2 agents and 6 unit tasks the
    // makespan is 3 units exactly when neither agent idles and the chain never waits: each agent
    // runs 3 tasks and chain task k is the k-th task of whichever agent ran it. (Not necessarily
    // one agent for the whole chain: c3 ties with s3 at priority 1 and plan order puts s3 first,
    // so the agent freed first after c2 takes s3 and the other takes c3 — still 3 units.) Plan
    // order alone would claim s1 and s2 first and leave c3 to start in the fourth unit.
    // Unit tasks are gated, not slept: the test ends them in the order they started (as equal
    // durations would), one at a time, waiting for the claim each release makes possible, so
    // the schedule does not depend on how loaded the machine is.
    const gate = new Gate(join(dir, 'gate'));
    const plan = writePlan(dir, ['s1', 's2', 's3', 'c1', 'c2', 'c3'].map((id) => ({
      id, run: gate.command(id), ...(id === 'c2' ? { needs: ['c1'] } : id === 'c3' ? { needs: ['c2'] } : {}),
    })));
    const run = cli(['run', plan, '--run-dir', dir, '--agents', '2', '--quads', '1']);
    for (let released = 0; released < 6; released++) {
      const started = await gate.waitStarted(Math.min(2 + released, 6));
      gate.release(started[released]!);
    }
    const r = await run;
    expect(r.exitCode, r.stderr).to.equal(0);
    const claims = events(dir).filter((e) => e.type === 'claimed');
    expect(claims.map((e) => e.task).sort(), 'each task claimed once').to.deep.equal(['c1', 'c2', 'c3', 's1', 's2', 's3']);
    expect(claims.slice(0, 2).map((e) => e.task), 'the first two claims').to.include('c1');
    const byAgent = new Map<string, string[]>();
    for (const e of claims) byAgent.set(e.agent!, [...(byAgent.get(e.agent!) ?? []), e.task!]);
    expect([...byAgent.values()].map((ts) => ts.length), `tasks per agent: ${JSON.stringify([...byAgent])}`).to.deep.equal([3, 3]);
    for (const [k, c] of ['c1', 'c2', 'c3'].entries()) {
      const seq = [...byAgent.values()].find((ts) => ts.includes(c))!;
      expect(seq.indexOf(c), `${c} in ${JSON.stringify([...byAgent])}`).to.equal(k);
    }
  });

  it('fails a task whose verify fails even though run succeeded', async () => {
    const plan = writePlan(dir, [{ id: 'v', run: 'echo hi > out.txt', verify: 'grep -q bye out.txt' }]);
    const r = await cli(['run', plan, '--run-dir', dir]);
    expect(r.exitCode).to.equal(1);
    const s = await status(dir);
    expect(s.tasks[0]!.status).to.equal('failed');
    expect(s.tasks[0]!.reason).to.match(/verify exited with 1/);
  });

  it('a timeout ends the whole process tree, grandchildren included', async () => {
    const plan = writePlan(dir, [{ id: 'slow', run: "sh -c 'sleep 100 & echo $! > grandchild.pid; wait'", timeout: '1s' }]);
    const r = await cli(['run', plan, '--run-dir', dir]);
    expect(r.exitCode).to.equal(1);
    const pid = Number(readFileSync(join(dir, 'work', 'grandchild.pid'), 'utf8'));
    expect(pid).to.be.greaterThan(1);
    await waitFor('the grandchild to be gone', () => !pidAlive(pid) || undefined, 5000);
    expect((await status(dir)).tasks[0]!.reason).to.match(/timed out/);
  });

  it('gives a pty task a terminal and a plain task none', async () => {
    const plan = writePlan(dir, [
      { id: 'tty', run: 'test -t 1 && echo "term: $TERM"', pty: true },
      { id: 'plain', run: 'test -t 1' },
    ]);
    const r = await cli(['run', plan, '--run-dir', dir]);
    expect(r.exitCode).to.equal(1);
    const by = Object.fromEntries((await status(dir)).tasks.map((t) => [t.id, t.status]));
    expect(by).to.deep.equal({ tty: 'done', plain: 'failed' });
    expect(readFileSync(join(dir, 'logs', 'tasks', 'tty.log'), 'utf8')).to.match(/term: xterm-256color/);
  });

  it('passes the task environment and runs argv lists without a shell', async () => {
    const plan = writePlan(dir, [
      { id: 'env', run: 'echo "$ORCHESTRATOR_TASK_ID $ORCHESTRATOR_AGENT $ORCHESTRATOR_ATTEMPT $GREETING" > env.txt', env: { GREETING: 'hello' } },
      { id: 'argv', run: ['sh', '-c', 'echo "$0" > argv.txt', '$HOME;*'] },
    ]);
    expect((await cli(['run', plan, '--run-dir', dir])).exitCode).to.equal(0);
    expect(readFileSync(join(dir, 'work', 'env.txt'), 'utf8')).to.match(/^env \S+ 1 hello$/m);
    expect(readFileSync(join(dir, 'work', 'argv.txt'), 'utf8').trim()).to.equal('$HOME;*');
  });

  it('resumes after an interruption without re-running done tasks, and re-runs changed tasks downstream', async () => {
    // Gated, not slept: the test ends t0..t2 and interrupts the run while t3 waits, so the
    // interruption lands mid-chain however loaded the machine is. A released gate stays open,
    // so the later runs pass through the tasks it opened.
    const gate = new Gate(join(dir, 'gate'));
    const tasks = Array.from({ length: 8 }, (_, i) => ({
      id: `t${i}`, run: `echo run >> marker-t${i}.txt; ${gate.command(`t${i}`)}`, ...(i > 0 && { needs: [`t${i - 1}`] }),
    }));
    const plan = writePlan(dir, tasks);
    const run = cliProcess(['run', plan, '--run-dir', dir]);
    for (let i = 0; i < 3; i++) {
      await gate.waitStarted(i + 1);
      gate.release(`t${i}`);
    }
    await gate.waitStarted(4);
    await waitFor('three tasks done', async () => doneCount(await runState(dir)) >= 3 || undefined, 30_000, 50);
    run.kill('SIGTERM');
    const first = await run;
    expect(first.exitCode).to.equal(130);
    const mid = await status(dir);
    expect(mid.status).to.equal('interrupted');
    const doneBefore = mid.tasks.filter((t) => t.status === 'done').map((t) => t.id);
    expect(doneBefore, 't3 was still gated').to.deep.equal(['t0', 't1', 't2']);
    expect(mid.tasks.filter((t) => t.status === 'running')).to.have.length(0);

    for (let i = 3; i < 8; i++) gate.release(`t${i}`);
    expect((await cli(['run', plan, '--run-dir', dir])).exitCode).to.equal(0);
    const lines = (id: string) => readFileSync(join(dir, 'work', `marker-${id}.txt`), 'utf8').trim().split('\n').length;
    for (const id of doneBefore) expect(lines(id), id).to.equal(1);

    // Change t5's command: t5, t6, t7 run again, nothing else.
    const before = Object.fromEntries(tasks.map((t) => [t.id, lines(t.id)]));
    writePlan(dir, tasks.map((t) => (t.id === 't5' ? { ...t, run: `${t.run}; true` } : t)));
    expect((await cli(['run', plan, '--run-dir', dir])).exitCode).to.equal(0);
    const ran = Object.fromEntries(tasks.map((t) => [t.id, lines(t.id) - before[t.id]!]));
    const expired = events(dir).filter((e) => e.type === 'lease-expired').map((e) => e.task);
    expect(ran, `executions in the third run (leases expired: ${JSON.stringify(expired)})`).to.deep.equal({ t0: 0, t1: 0, t2: 0, t3: 0, t4: 0, t5: 1, t6: 1, t7: 1 });
  });

  it('hands a dead worker\'s task to another agent and ends the orphaned attempt', async () => {
    // Gated, not slept: the attempt runs until the test releases it, so the worker is still
    // there to be killed however slow the status calls below are on a loaded machine.
    const gate = new Gate(join(dir, 'gate'));
    const plan = writePlan(dir, [{ id: 'long', run: `echo $$ > attempt-$ORCHESTRATOR_ATTEMPT.pid; ${gate.command('long')}` }]);
    const run = cliProcess(['run', plan, '--run-dir', dir, '--agents', '2', '--quads', '2']);
    const victim = await waitFor('the task to start', async () => {
      const st = await status(dir).catch(() => undefined);
      return st?.tasks[0]?.status === 'running' && existsSync(join(dir, 'work', 'attempt-1.pid')) ? st : undefined;
    });
    const running = victim.tasks[0]!;
    const agents = JSON.parse((await cli(['status', '--json', '--run-dir', dir])).stdout).agents as Array<{ name: string; quad: number }>;
    const quad = agents.find((a) => a.name === running.agent)!.quad;
    const pid = victim.groups.find((g) => g.quad === quad)!.pid!;
    const taskPid = Number(readFileSync(join(dir, 'work', 'attempt-1.pid'), 'utf8'));
    process.kill(pid, 'SIGKILL');
    // The orphaned attempt is ended by the system while it is still gated (it cannot just end itself).
    await waitFor('the second attempt', () => existsSync(join(dir, 'work', 'attempt-2.pid')) || undefined, 60_000, 100);
    await waitFor('the orphaned attempt to be ended', () => !pidAlive(taskPid) || undefined, 30_000, 100);
    gate.release('long');
    const r = await run;
    expect(r.exitCode, String(r.stdout)).to.equal(0);
    const s = await status(dir);
    expect(s.tasks[0]!.status).to.equal('done');
    expect(s.tasks[0]!.agent).to.not.equal(running.agent);
    expect(existsSync(join(dir, 'work', 'attempt-2.pid'))).to.equal(true);
    expect(pidAlive(taskPid)).to.equal(false);
    expect(events(dir).some((e) => e.type === 'lease-expired' && e.task === 'long')).to.equal(true);
  });

  it('rejects the late result of a worker that hung past its lease', async () => {
    // The slowest keep-alive interval (hung only after 30 s), so the lease (10 s) runs out first.
    // Gated, not slept: both attempts end when the test releases them, after the SIGCONT.
    const gate = new Gate(join(dir, 'gate'));
    const plan = writePlan(dir, [{ id: 'x', run: gate.command('x') }], { keep_alive: { interval: '10s' } });
    const run = cliProcess(['run', plan, '--run-dir', dir, '--agents', '2', '--quads', '2']);
    const s = await waitFor('x running', async () => {
      const st = await status(dir).catch(() => undefined);
      return st?.tasks[0]?.status === 'running' ? st : undefined;
    });
    const agents = JSON.parse((await cli(['status', '--json', '--run-dir', dir])).stdout).agents as Array<{ name: string; quad: number }>;
    const quad = agents.find((a) => a.name === s.tasks[0]!.agent)!.quad;
    const pid = s.groups.find((g) => g.quad === quad)!.pid!;
    process.kill(pid, 'SIGSTOP');
    await waitFor('the task to be taken over', () => events(dir).some((e) => e.type === 'claimed' && e.task === 'x' && e.attempt === 2) || undefined, 30_000, 200);
    process.kill(pid, 'SIGCONT');
    gate.release('x');
    const r = await run;
    expect(r.exitCode).to.equal(0);
    await waitFor('the stale result to be rejected', () => events(dir).some((e) => e.type === 'stale-result-rejected' && e.task === 'x') || undefined, 10_000);
    expect((await status(dir)).tasks[0]!.status).to.equal('done');
  });

  it('retry makes a failed task run again on the next run', async () => {
    const plan = writePlan(dir, [{ id: 'flaky', run: 'test -f ok' }, { id: 'next', run: 'true', needs: ['flaky'] }]);
    expect((await cli(['run', plan, '--run-dir', dir])).exitCode).to.equal(1);
    writeFileSync(join(dir, 'work', 'ok'), '');
    const retry = await cli(['retry', 'flaky', '--run-dir', dir]);
    expect(retry.exitCode, retry.stderr).to.equal(0);
    expect(retry.stdout).to.match(/unblocked next/);
    expect((await cli(['retry', 'nope', '--run-dir', dir])).exitCode).to.equal(2);
    expect((await cli(['run', plan, '--run-dir', dir])).exitCode).to.equal(0);
  });

  it('reports usage and state errors with exit 2', async () => {
    expect((await cli(['status', '--run-dir', dir])).exitCode).to.equal(2);
    expect((await cli(['run', '--agents', 'x', '--run-dir', dir])).exitCode).to.equal(2);
    expect((await cli(['bogus'])).exitCode).to.equal(2);
    expect((await cli(['reset', '--run-dir', dir])).stdout).to.match(/nothing to reset/);
  });
});
