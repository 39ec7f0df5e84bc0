/**
 * Chaos: `orchestrator ha` runs a 60-task graph while, every 1–1.8 s, a random process of the
 * system — one of the worker groups, the control process or the keep-alive monitor — is
 * SIGKILLed (at least 10 kills). Meanwhile the state is read from disk (snapshot + journal, by
 * a fresh reader) over and over and must always parse. At the end: every task done exactly
 * once in the state and exactly one `finished` event per task; every task ran at least once
 * (its journal line; re-execution after a kill is allowed and reported); no process survives.
 *
 * The graph is a chain, with sleeps drawn towards the top of the 100–400 ms range (mean 325 ms,
 * about 19.5 s in all), and kills come every 1–1.8 s (the fast end of 1–3 s): 60 such tasks
 * cannot otherwise last long enough for 10 kills to be certain, and a chain puts every kill of
 * the busy group on the critical path.
 */
import { expect } from 'chai';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { events, removeDir, tempDir, writePlan } from '../helpers/cli.js';
import { expectNoSurvivors, killMarked, rolePid, startCli, type Started } from '../helpers/keep-alive-support.js';
import { readState } from '../helpers/run-state.js';
import { cmdline, pidAlive } from '../../workers/os/process-tree.js';
import type { State } from '../../state/schema.js';
import { mulberry32 } from '../../bench/rng.js';
import { sleep } from '../support/procs.js';

const TASKS = 60;
const MIN_KILLS = 10;
const RUN_LIMIT_MS = 240_000;

const id = (i: number) => `c${String(i).padStart(2, '0')}`;

describe('chaos: random SIGKILLs during a high-availability run', function () {
  this.timeout(RUN_LIMIT_MS + 120_000);
  let dir: string;
  let run: Started | undefined;
  beforeEach(() => {
    dir = tempDir('orch-chaos-');
    run = undefined;
  });
  afterEach(function () {
    if (run) killMarked(run.mark);
    // A failed run's directory is kept for its logs (events, keep_alive.log, cli.log).
    if (this.currentTest?.state === 'failed') console.log(`      run dir kept: ${dir}`);
    else removeDir(dir);
  });

  it(`finishes every one of ${TASKS} tasks exactly once despite ≥ ${MIN_KILLS} kills`, async () => {
    const seed = Number(process.env.CHAOS_SEED ?? Date.now() % 100_000);
    const rand = mulberry32(seed);
    const sleeps = Array.from({ length: TASKS }, () => 100 + Math.round(Math.cbrt(rand()) * 300));
    const tasks = sleeps.map((ms, i) => ({
      id: id(i),
      run: `echo $ORCHESTRATOR_TASK_ID >> ../journal.txt; sleep ${(ms / 1000).toFixed(3)}`,
      // A task may lose its worker to a kill more than once by chance: allow it (3 losses).
      retries: 2,
      ...(i ? { needs: [id(i - 1)] } : {}),
    }));
    const plan = writePlan(dir, tasks, { keep_alive: { interval: '1s' } });
    run = startCli(['ha', plan, '--run-dir', dir, '--agents', '6', '--quads', '3'], dir);

    let samples = 0;
    const sampleErrors: string[] = [];
    let last: State | undefined;
    const kills: Array<{ target: string; pid: number }> = [];
    const started = Date.now();
    let done = false;

    const sampler = (async () => {
      while (!done) {
        try {
          const s = await readState(dir);
          if (s) {
            samples++;
            last = s;
          }
        } catch (e) {
          sampleErrors.push((e as Error).message);
        }
        await sleep(100);
      }
    })();

    const targets = (s: State) => {
      const out: Array<{ target: string; pid: number }> = [];
      for (const g of Object.values(s.groups)) {
        if (g.pid && pidAlive(g.pid) && cmdline(g.pid).includes('worker')) out.push({ target: `quad ${g.quad}`, pid: g.pid });
      }
      for (const role of ['control', 'keep-alive'] as const) {
        const pid = rolePid(dir, role);
        if (pid && pidAlive(pid)) out.push({ target: role, pid });
      }
      return out;
    };

    // Nothing of the system left alive while the run is unfinished: it cannot end any more.
    let aliveAt = Date.now();
    const dead = () => Date.now() - aliveAt > 15_000;
    while (Date.now() - started < RUN_LIMIT_MS && !dead()) {
      await sleep(1000 + rand() * 800);
      const s = last;
      if (!s) continue;
      if (s.meta.status !== 'running') break;
      // A kind first (a worker group, the control process, the monitor), then one of that kind.
      const all = targets(s);
      const kinds = [...new Set(all.map((t) => (t.target.startsWith('quad') ? 'worker' : t.target)))];
      if (!kinds.length) continue;
      aliveAt = Date.now();
      const kind = kinds[Math.floor(rand() * kinds.length)]!;
      const choice = all.filter((t) => (t.target.startsWith('quad') ? 'worker' : t.target) === kind);
      const victim = choice[Math.floor(rand() * choice.length)]!;
      try {
        process.kill(victim.pid, 'SIGKILL');
        kills.push(victim);
      } catch {
        // Gone between the look and the kill.
      }
    }
    // Let the run end (the last kill may have just hit a process).
    while (Date.now() - started < RUN_LIMIT_MS && !dead() && (await readState(dir))?.meta.status === 'running') {
      if (last && targets(last).length) aliveAt = Date.now();
      await sleep(200);
    }
    const stalled = dead();
    done = true;
    await sampler;
    await expectNoSurvivors(run.mark, 30_000);

    const s = (await readState(dir))!;
    const journal = readFileSync(join(dir, 'journal.txt'), 'utf8').trim().split('\n');
    const ran = new Map<string, number>();
    for (const l of journal) ran.set(l, (ran.get(l) ?? 0) + 1);
    const finished = new Map<string, number>();
    for (const e of events(dir)) if (e.type === 'finished' && e.task) finished.set(e.task, (finished.get(e.task) ?? 0) + 1);
    const rate = (journal.length - TASKS) / TASKS;
    const by = kills.reduce<Record<string, number>>((m, k) => ({ ...m, [k.target.startsWith('quad') ? 'worker' : k.target]: (m[k.target.startsWith('quad') ? 'worker' : k.target] ?? 0) + 1 }), {});
    console.log(`      seed ${seed} (sleeps ${(sleeps.reduce((a, b) => a + b, 0) / 1000).toFixed(1)} s): ${kills.length} kills (${JSON.stringify(by)}) in ${((Date.now() - started) / 1000).toFixed(1)} s; ` +
      `${samples} state samples; ${journal.length} executions for ${TASKS} tasks: re-execution rate ${(rate * 100).toFixed(1)}%; ` +
      `restarts ${Object.values(s.groups).map((g) => `q${g.quad}:${g.restarts}${g.status === 'failed' ? ' (given up)' : ''}`).join(' ')}`);

    expect(sampleErrors, 'every sample of the state parses').to.deep.equal([]);
    expect(samples).to.be.at.least(100);
    expect(kills.length, `kills (${JSON.stringify(kills)})`).to.be.at.least(MIN_KILLS);
    expect(stalled, 'no process of the system was left to carry the run').to.equal(false);
    expect(s.meta.status).to.equal('finished');
    const notDone = Object.values(s.tasks).filter((t) => t.status !== 'done').map((t) => `${t.id}:${t.status}:${t.reason ?? ''}`);
    expect(notDone, 'tasks not done').to.deep.equal([]);
    expect(Object.keys(s.tasks)).to.have.length(TASKS);
    for (const t of tasks) {
      expect(finished.get(t.id) ?? 0, `finished events of ${t.id}`).to.equal(1);
      expect(ran.get(t.id) ?? 0, `executions of ${t.id}`).to.be.at.least(1);
    }
    expect(existsSync(join(dir, 'logs', 'keep_alive.log'))).to.equal(true);
  });
});
