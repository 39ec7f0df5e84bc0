/**
 * High-availability mode and state recovery, with real processes: `orchestrator ha` survives
 * the SIGKILL of its keep-alive monitor, of its control process and of a worker group; the
 * monitor repairs a damaged journal and says so.
 */
import { expect } from 'chai';
import { appendFileSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { events, removeDir, tempDir, waitFor, writePlan } from '../helpers/cli.js';
import { expectNoSurvivors, groupOf, killMarked, seatPid, startCli, type Started } from '../helpers/keep-alive-support.js';
import { readState, runState } from '../helpers/run-state.js';
import { pidAlive } from '../../workers/os/process-tree.js';

describe('keep-alive: high availability and recovery (real processes)', function () {
  this.timeout(180_000);
  let dir: string;
  let run: Started | undefined;
  beforeEach(() => {
    dir = tempDir('orch-ha-');
    run = undefined;
  });
  afterEach(() => {
    if (run) killMarked(run.mark);
    removeDir(dir);
  });

  const state = () => runState(dir);
  /** Waits for a holder of `seat` other than `not`, alive. */
  const holder = (seat: 'keep-alive' | 'control', not?: number) =>
    waitFor(`a live ${seat} process`, () => {
      const pid = seatPid(dir, seat);
      return pid !== undefined && pid !== not && pidAlive(pid) ? pid : undefined;
    }, 60_000, 50);

  it('`ha` completes the run although its monitor, its control process and a worker are SIGKILLed', async () => {
    const chain = Array.from({ length: 8 }, (_, i) => ({ id: `t${i}`, run: 'echo $ORCHESTRATOR_TASK_ID >> journal.txt; sleep 1', ...(i ? { needs: [`t${i - 1}`] } : {}) }));
    const plan = writePlan(dir, chain, { keep_alive: { interval: '500ms' }, alert_command: 'cat >> alerts.out' });
    run = startCli(['ha', plan, '--run-dir', dir, '--agents', '3', '--quads', '3'], dir);

    const ka1 = await holder('keep-alive');
    const control1 = await holder('control');
    expect(control1).to.equal(run.child.pid);
    await waitFor('t1 running', async () => (await state())?.tasks.t1?.status === 'running' || undefined, 60_000, 50);
    process.kill(ka1, 'SIGKILL');
    const ka2 = await holder('keep-alive', ka1);

    process.kill(control1, 'SIGKILL');
    await holder('control', control1);

    const victim = await waitFor('a task running', async () => {
      const s = await state();
      const t = s && Object.values(s.tasks).find((x) => x.status === 'running');
      return t && groupOf(s, t.id);
    }, 60_000, 50);
    process.kill(victim.pid, 'SIGKILL');

    const s = await waitFor('the run to finish', async () => {
      const st = await state();
      return st?.meta.status === 'finished' ? st : undefined;
    }, 120_000, 200);
    expect(Object.values(s.tasks).every((t) => t.status === 'done')).to.equal(true);
    expect(s.alerts.map((a) => a.kind)).to.include.members(['keep-alive-restarted', 'control-restarted', 'group-crashed', 'group-restarted']);
    expect(s.groups[String(victim.quad)]!.restarts).to.equal(1);
    expect(events(dir).filter((e) => e.type === 'finished')).to.have.length(8);
    await expectNoSurvivors(run.mark, 30_000);
    expect(pidAlive(ka2)).to.equal(false);
    const log = readFileSync(join(dir, 'logs', 'keep_alive.log'), 'utf8');
    expect(log).to.match(/adopted quads 1, 2, 3/);
    expect(log).to.match(/keep-alive-restarted/);
    const sent = readFileSync(join(dir, 'work', 'alerts.out'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { kind: string }).kind);
    expect(sent).to.include.members(['keep-alive-restarted', 'control-restarted', 'group-crashed']);
    expect(readFileSync(run.logFile, 'utf8')).to.match(/control process restarted/);
  });

  it('SIGINT to `ha` stops the monitor, every worker and task tree, with no restart on the way out', async () => {
    const plan = writePlan(dir, [{ id: 'x', run: 'sleep 30' }, { id: 'y', run: 'sleep 30' }], { keep_alive: { interval: '500ms' } });
    run = startCli(['ha', plan, '--run-dir', dir, '--agents', '2', '--quads', '2'], dir);
    await waitFor('x and y running', async () => {
      const s = await state();
      return s?.tasks.x?.status === 'running' && s.tasks.y?.status === 'running' ? s : undefined;
    }, 60_000, 50);
    await holder('keep-alive');
    const before = events(dir).length;
    process.kill(run.child.pid!, 'SIGINT');
    expect(await run.exited).to.equal(130);
    expect((await readState(dir))!.meta.status).to.equal('interrupted');
    expect(events(dir).slice(before).filter((e) => e.type === 'group-restarted')).to.deep.equal([]);
    await expectNoSurvivors(run.mark);
  });

  it('`keep-alive` on its own refuses a run dir that already has a live monitor', async () => {
    const plan = writePlan(dir, [{ id: 'x', run: 'sleep 3' }], { keep_alive: { interval: '500ms' } });
    run = startCli(['run', plan, '--run-dir', dir], dir);
    await waitFor('x running', async () => (await state())?.tasks.x?.status === 'running' || undefined, 60_000, 50);
    const second = startCli(['keep-alive', '--run-dir', dir], dir, {}, 'second.log');
    expect(await second.exited).to.equal(0);
    expect(readFileSync(second.logFile, 'utf8')).to.match(/already supervised by pid \d+/);
    expect(await run.exited).to.equal(0);
    await expectNoSurvivors(run.mark);
  });

  it('repairs a damaged journal during the run and raises a state-recovered alert', async () => {
    const plan = writePlan(dir, [
      { id: 'a', run: 'sleep 2' }, { id: 'b', run: 'sleep 1', needs: ['a'] }, { id: 'c', run: 'true', needs: ['b'] },
    ], { keep_alive: { interval: '500ms' } });
    run = startCli(['run', plan, '--run-dir', dir, '--agents', '2', '--quads', '2'], dir);
    await waitFor('a running', async () => (await state())?.tasks.a?.status === 'running' || undefined, 60_000, 50);
    const stateDir = join(dir, '.orchestrator');
    const journal = readdirSync(stateDir).filter((f) => /^journal\.\d+\.jsonl$/.test(f)).sort().at(-1)!;
    appendFileSync(join(stateDir, journal), '{"this is": not json}\n');
    expect(await run.exited, readFileSync(run.logFile, 'utf8')).to.equal(0);
    const s = (await readState(dir))!;
    expect(Object.values(s.tasks).every((t) => t.status === 'done')).to.equal(true);
    expect(s.alerts.map((a) => a.kind)).to.include('state-recovered');
    expect(readdirSync(stateDir).some((f) => f.includes('corrupt'))).to.equal(true);
    expect(readFileSync(join(dir, 'logs', 'keep_alive.log'), 'utf8')).to.match(/state-recovered/);
    await expectNoSurvivors(run.mark);
  });
});
