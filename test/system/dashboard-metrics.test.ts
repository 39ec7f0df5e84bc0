/**
 * The dashboard's metrics with real processes: the sampler sums the memory of a process tree
 * (a child allocating ~100 MB), sees its CPU, follows only live worker groups; the GPU probe
 * is absent without nvidia-smi (so is the panel) and parses a stand-in's answer.
 */
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseNvidiaSmi, queryGpu } from '../../panes/dashboard/source/gpu-probe.js';
import { planLayout } from '../../panes/dashboard/model/layout.js';
import { MetricsSampler, runRoots } from '../../panes/dashboard/source/process-metrics.js';
import { emptyState } from '../../state/ops.js';
import { descendants, parseStat, readProcTable } from '../../workers/os/process-tree.js';
import { removeDir, tempDir, waitFor } from '../helpers/cli.js';
import { tryKill } from '../helpers/keep-alive-support.js';
import { sleep } from '../support/procs.js';

const MiB = 1 << 20;

/** VmRSS from /proc/PID/status: an independent reading of the same figure. */
function vmRss(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

/** A parent process whose child allocates (and touches) `mb` MiB, then optionally spins. */
function allocatingTree(mb: number, spin = false): { proc: ChildProcess; ready: Promise<number> } {
  const child = `const b = Buffer.alloc(${mb} * 1048576, 1); console.log('ready ' + process.pid + ' ' + b.length);`
    + (spin ? 'const end = Date.now() + 60000; while (Date.now() < end) {}' : 'setInterval(() => {}, 1000);');
  const parent = `const c = require('child_process').spawn(process.execPath, ['-e', ${JSON.stringify(child)}], { stdio: ['ignore', 'inherit', 'inherit'] }); setInterval(() => {}, 1000);`;
  const proc = spawn(process.execPath, ['-e', parent], { stdio: ['ignore', 'pipe', 'inherit'] });
  const ready = new Promise<number>((resolve, reject) => {
    proc.stdout!.on('data', (d: Buffer) => {
      const m = /ready (\d+)/.exec(String(d));
      if (m) resolve(Number(m[1]));
    });
    proc.once('exit', () => reject(new Error('allocating tree exited early')));
  });
  return { proc, ready };
}

function endTree(proc: ChildProcess, childPid?: number): void {
  for (const pid of [childPid, proc.pid]) tryKill(pid);
}

describe('dashboard metrics (real processes)', function () {
  this.timeout(60_000);

  it('sums the resident memory of a worker and its descendants', async () => {
    const { proc, ready } = allocatingTree(100);
    let childPid: number | undefined;
    try {
      childPid = await ready;
      const sampler = new MetricsSampler({ roots: () => [proc.pid!], gpu: false });
      const s = (await sampler.sample())!;
      const independent = vmRss(proc.pid!) + vmRss(childPid);
      expect(s.runProcs).to.equal(2);
      expect(s.runMem).to.be.at.least(100 * MiB);
      // Same processes read through a different file: within 15 % (they may move a little in between).
      expect(Math.abs(s.runMem - independent) / independent).to.be.below(0.15);
      expect(s.machineMemTotal).to.be.greaterThan(s.machineMemUsed);
      expect(sampler.history).to.have.length(1);
    } finally {
      endTree(proc, childPid);
    }
  });

  it('sees the CPU used by a busy descendant', async () => {
    const { proc, ready } = allocatingTree(1, true);
    let childPid: number | undefined;
    try {
      childPid = await ready;
      const sampler = new MetricsSampler({ roots: () => [proc.pid!], gpu: false });
      await sampler.sample();
      // CPU is a rate between two samples: each look measures a fresh 500 ms, until the busy loop shows.
      const s = await waitFor('the busy descendant in the CPU figure', async () => {
        await sleep(500);
        const now = await sampler.sample();
        return now && now.runCpu > 1 ? now : undefined;
      }, 10_000, 0);
      expect(s.runCpu).to.be.greaterThan(1);
      expect(s.machineCpu).to.be.at.least(s.runCpu * 0.5);
    } finally {
      endTree(proc, childPid);
    }
  });

  it('follows only groups that may be alive, and whole trees from /proc', () => {
    const s = emptyState(0);
    s.groups = {
      1: { quad: 1, status: 'running', pid: process.pid, restarts: 0 },
      2: { quad: 2, status: 'finished', pid: 999_999, restarts: 0 },
      3: { quad: 3, status: 'restarting', pid: 4242, restarts: 1 },
    };
    expect(runRoots(s)).to.deep.equal([process.pid, 4242]);
    expect(runRoots(undefined)).to.deep.equal([]);
    const table = readProcTable();
    expect(table.get(process.pid)!.ppid).to.equal(process.ppid);
    const mine = new Set(descendants([process.ppid], table).map((p) => p.pid));
    expect(mine.has(process.pid)).to.equal(true);
    expect(descendants([999_999_999], table).length).to.equal(0);
    const odd = parseStat('123 (a (weird) name) S 7 1 1 0 -1 0 0 0 0 0 5 6 7 8 20 0 1 0 99 1000 10 0', 4096)!;
    expect(odd).to.deep.equal({ pid: 123, ppid: 7, pgid: 1, comm: 'a (weird) name', state: 'S', zombie: false, start: 99, ticks: 26, rssBytes: 40960 });
  });

  it('has no GPU (and no GPU panel) when nvidia-smi is not on the PATH', async () => {
    const empty = tempDir('orch-nogpu-');
    try {
      expect(await queryGpu({ env: { PATH: empty } })).to.equal(undefined);
      expect(await queryGpu({ command: join(empty, 'nvidia-smi') })).to.equal(undefined);
      const sampler = new MetricsSampler({ roots: () => [], gpu: { env: { PATH: empty } } });
      await sampler.init();
      expect(sampler.gpuPresent).to.equal(false);
      expect((await sampler.sample())!.gpu).to.equal(undefined);
      const names = planLayout({ width: 200, height: 60, agents: 12, gpu: sampler.gpuPresent! }).panels.map((p) => p.name);
      expect(names).to.not.include('gpu');
    } finally {
      removeDir(empty);
    }
  });

  it('reads utilisation and memory from nvidia-smi when it answers', async () => {
    const dir = tempDir('orch-gpu-');
    try {
      const fake = join(dir, 'nvidia-smi');
      writeFileSync(fake, '#!/bin/sh\nprintf "37, 1024, 8192\\n[N/A], 1, 2\\n63, 2048, 8192\\n"\n');
      chmodSync(fake, 0o755);
      const want = { utilization: 50, memUsedMiB: 3072, memTotalMiB: 16384, count: 2 };
      expect(parseNvidiaSmi('37, 1024, 8192\n[N/A], 1, 2\n63, 2048, 8192\n')).to.deep.equal(want);
      expect(await queryGpu({ env: { PATH: `${dir}:/usr/bin:/bin` } })).to.deep.equal(want);
      const sampler = new MetricsSampler({ roots: () => [], gpu: { command: fake } });
      await sampler.init();
      expect(sampler.gpuPresent).to.equal(true);
      const s = await waitFor('a sample', () => sampler.sample());
      expect(s.gpu).to.deep.equal(want);
      expect(planLayout({ width: 200, height: 60, agents: 12, gpu: true }).panels.map((p) => p.name)).to.include('gpu');
    } finally {
      removeDir(dir);
    }
  });
});
