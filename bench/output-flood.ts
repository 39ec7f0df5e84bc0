/**
 * Output throughput of one task: a flood of MB megabytes, without newlines (one huge line) and
 * with newlines, through a real `orchestrator run` (one agent). Prints, per case, the task's
 * own duration from its log footer, MB/s, the task log's size and the size of state.json
 * (which must stay small: the state keeps a bounded tail).
 *
 *   node dist/bench/output-flood.js [MB=100] [pairs=1]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI_JS } from '../orchestrator/run-dir/paths.js';

const mb = Number(process.argv[2] ?? 100);
const pairs = Number(process.argv[3] ?? 1);
const cases: Record<string, string> = {
  'no newlines': `head -c ${mb * 1_000_000} /dev/zero | tr '\\0' x`,
  newlines: `yes 'a line of output, about forty bytes long' | head -c ${mb * 1_000_000}`,
};

function once(name: string, run: string): void {
  const dir = mkdtempSync(join(tmpdir(), 'orch-flood-'));
  try {
    writeFileSync(join(dir, 'plan.json'), JSON.stringify({ version: 1, name: 'flood', workdir: 'work', agents: [{ name: 'a1', quad: 1 }], tasks: [{ id: 'flood', run, timeout: '30m' }] }));
    const t0 = performance.now();
    execFileSync(process.execPath, [CLI_JS, 'run', join(dir, 'plan.json'), '--run-dir', dir], { stdio: 'ignore' });
    const wall = (performance.now() - t0) / 1000;
    const log = readFileSync(join(dir, 'logs', 'tasks', 'flood.log'), 'latin1');
    const ms = Number(/=== ok after (\d+) ms ===/.exec(log.slice(-200))?.[1] ?? NaN);
    const state = statSync(join(dir, '.orchestrator', 'state.json')).size;
    console.log(`${name.padEnd(12)} ${mb} MB: task ${(ms / 1000).toFixed(2)} s = ${(mb / (ms / 1000)).toFixed(0)} MB/s; run ${wall.toFixed(2)} s; task log ${(log.length / 1e6).toFixed(1)} MB; state.json ${(state / 1024).toFixed(1)} KB`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

for (let i = 0; i < pairs; i++) for (const [name, run] of Object.entries(cases)) once(name, run);
