/**
 * RoleKeeper (high-availability mode's peer watching) with real processes and role files: a
 * peer killed after it took its role is replaced at once however often it happens (a backoff
 * there would leave a window in which a second kill ends supervision for good); a peer that
 * cannot start is respawned with growing gaps, never in a tight loop.
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { removeDir, tempDir, waitFor } from '../helpers/cli.js';
import { readHolder, respawnDelayMs, roleFile, RoleKeeper } from '../../orchestrator/supervisors/roles.js';
import { sleep } from '../support/procs.js';

/** A peer that takes the role (writes the holder file) and stays, or one that dies at once. */
function peer(file: string, takesRole: boolean) {
  const script = takesRole
    ? `require('fs').writeFileSync(${JSON.stringify(file)}, JSON.stringify({ pid: process.pid })); setInterval(() => {}, 1000);`
    : 'process.exit(1)';
  return spawn(process.execPath, ['-e', script], { stdio: 'ignore' });
}

describe('RoleKeeper: keeping the peer singleton alive (real processes)', function () {
  this.timeout(60_000);
  let dir: string;
  let keeper: RoleKeeper | undefined;
  const spawned: number[] = [];
  beforeEach(() => {
    dir = tempDir('orch-roles-');
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

  it('backs off only for starts that fail: 0, 0.25, 0.5, 1, 2 s', () => {
    expect([0, 1, 2, 3, 4, 5, 9].map(respawnDelayMs)).to.deep.equal([0, 250, 500, 1000, 2000, 2000, 2000]);
  });

  it('replaces a peer killed after taking its role at once, six times in a row', async () => {
    const file = roleFile(dir, 'control');
    keeper = new RoleKeeper({
      stateDir: dir, role: 'control', wanted: () => true,
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

  it('respawns a peer that dies before taking its role with growing gaps, not in a tight loop', async () => {
    keeper = new RoleKeeper({
      stateDir: dir, role: 'keep-alive', wanted: () => true,
      spawn: () => {
        const c = peer(roleFile(dir, 'keep-alive'), false);
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
