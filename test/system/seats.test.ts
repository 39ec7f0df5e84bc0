/**
 * SeatKeeper (high-availability mode's peer watching) with real processes and seat files: a
 * peer killed after it took its seat is replaced at once however often it happens (a backoff
 * there would leave a window in which a second kill ends supervision for good); a peer that
 * cannot start is respawned with growing gaps, never in a tight loop.
 */
import { expect } from 'chai';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { EventEmitter, once } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { removeDir, tempDir, waitFor } from '../helpers/cli.js';
import { readHolder, seatFile, SeatKeeper } from '../../orchestrator/supervisors/seats.js';
import { sleep } from '../support/procs.js';
import { VirtualClock } from '../helpers/virtual-clock.js';

/** A peer that takes the seat (writes the holder file) and stays, or one that dies at once. */
function peer(file: string, takesSeat: boolean) {
  const script = takesSeat
    ? `require('fs').writeFileSync(${JSON.stringify(file)}, JSON.stringify({ pid: process.pid })); setInterval(() => {}, 1000);`
    : 'process.exit(1)';
  return spawn(process.execPath, ['-e', script], { stdio: 'ignore' });
}

describe('SeatKeeper: keeping the peer singleton alive (real processes)', function () {
  this.timeout(60_000);
  let dir: string;
  let keeper: SeatKeeper | undefined;
  const spawned: number[] = [];
  beforeEach(() => {
    dir = tempDir('orch-seats-');
    mkdirSync(dir, { recursive: true });
    spawned.length = 0;
  });
  afterEach(() => {
    keeper?.stop();
    for (const pid of spawned) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    removeDir(dir);
  });

  it('replaces a peer killed after taking its seat at once, six times in a row', async () => {
    const file = seatFile(dir, 'control');
    keeper = new SeatKeeper({
      stateDir: dir, seat: 'control', wanted: () => true,
      spawn: () => {
        const c = peer(file, true);
        spawned.push(c.pid!);
        return c;
      },
    });
    keeper.start(false);
    for (let kill = 1; kill <= 6; kill++) {
      const holder = await waitFor(`holder ${kill}`, () => {
        const h = readHolder(dir, 'control');
        return h && h.pid === spawned.at(-1) ? h : undefined;
      }, 20_000, 20);
      process.kill(holder.pid, 'SIGKILL');
      await waitFor(`replacement ${kill}`, () => spawned.length === kill + 1 || undefined, 20_000, 20);
      expect(keeper.backoffMs, `after kill ${kill}`).to.equal(0);
    }
  });

  it('respawns a peer that dies before taking its seat with growing gaps, not in a tight loop', async () => {
    keeper = new SeatKeeper({
      stateDir: dir, seat: 'keep-alive', wanted: () => true,
      spawn: () => {
        const c = peer(seatFile(dir, 'keep-alive'), false);
        spawned.push(c.pid!);
        return c;
      },
    });
    keeper.start(false);
    await waitFor('four failed starts', () => spawned.length >= 4 || undefined, 20_000, 20);
    expect(keeper.backoffMs).to.be.at.least(500);
    const before = spawned.length;
    await sleep(1500);
    // Gaps of 1 s and 2 s from here: at most two more starts (a tight loop would make dozens).
    expect(spawned.length - before).to.be.at.most(2);
  });
});

/**
 * A stand-in for a peer process, ended by the test. It lives as a real `sleep` (so that pid
 * checks see it) when it is to take its seat, else it has a dead pid from the start.
 */
class FakePeer extends EventEmitter {
  static readonly all = new Set<FakePeer>();
  exitCode: number | null = null;
  signalCode: NodeJS.Signals | null = null;
  readonly pid: number;
  private proc?: ChildProcess;

  constructor(lives: boolean) {
    super();
    this.proc = lives ? spawn('sleep', ['60'], { stdio: 'ignore' }) : undefined;
    this.pid = this.proc?.pid ?? spawnSync('true').pid;
    FakePeer.all.add(this);
  }

  /** Takes the seat the way a real peer does: its pid in the holder file. */
  takeSeat(file: string): void {
    writeFileSync(file, JSON.stringify({ pid: this.pid }));
  }

  async end(signal?: NodeJS.Signals): Promise<void> {
    if (this.proc && this.proc.exitCode === null && this.proc.signalCode === null) {
      const gone = once(this.proc, 'exit');
      this.proc.kill('SIGKILL');
      await gone;
    }
    if (signal) this.signalCode = signal;
    else this.exitCode = 1;
    this.emit('exit', this.exitCode, this.signalCode);
  }
}

describe('SeatKeeper in virtual time (the poll and the backoff on the injected clock)', () => {
  let dir: string;
  let keeper: SeatKeeper | undefined;
  beforeEach(() => {
    dir = tempDir('orch-seats-v-');
    mkdirSync(dir, { recursive: true });
  });
  afterEach(async () => {
    keeper?.stop();
    await Promise.all([...FakePeer.all].map((p) => p.end()));
    FakePeer.all.clear();
    removeDir(dir);
  });

  it('respawns a peer that cannot start exactly 0.25, 0.5, 1, 2 and 2 s apart', async () => {
    const clock = new VirtualClock();
    const spawns: number[] = [];
    keeper = new SeatKeeper({
      stateDir: dir, seat: 'keep-alive', wanted: () => true, clock, pollMs: 250,
      spawn: () => {
        spawns.push(clock.now());
        const p = new FakePeer(false);
        void p.end();
        return p as unknown as ChildProcess;
      },
    });
    keeper.start(false);
    await clock.advance(6000);
    expect(spawns.slice(1).map((t, i) => t - spawns[i]!)).to.deep.equal([250, 500, 1000, 2000, 2000]);
  });

  it('replaces a peer killed after taking its seat without letting any time pass, six times in a row', async () => {
    const clock = new VirtualClock();
    const file = seatFile(dir, 'control');
    const peers: FakePeer[] = [];
    const spawns: number[] = [];
    const restarts: Array<number | undefined> = [];
    keeper = new SeatKeeper({
      stateDir: dir, seat: 'control', wanted: () => true, clock, pollMs: 250, onRestart: (pid) => restarts.push(pid),
      spawn: () => {
        spawns.push(clock.now());
        const p = new FakePeer(true);
        p.takeSeat(file);
        peers.push(p);
        return p as unknown as ChildProcess;
      },
    });
    keeper.start(false);
    for (let kill = 1; kill <= 6; kill++) {
      await clock.advance(1000);
      const killedAt = clock.now();
      await peers.at(-1)!.end('SIGKILL');
      await clock.advance(0);
      expect(spawns, `after kill ${kill}`).to.have.length(kill + 1);
      expect(spawns.at(-1), `replacement ${kill}`).to.equal(killedAt);
      expect(keeper.backoffMs).to.equal(0);
    }
    expect(restarts).to.deep.equal(peers.slice(1).map((p) => p.pid));
  });
});
