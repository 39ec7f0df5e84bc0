/**
 * How long `orchestrator status` takes on a run whose journal grew to SIZE MB (valid lines,
 * as if compaction had not run): the journal is read in chunks, so time is linear in its size
 * and memory stays bounded. Builds the run directory, then times the built CLI (npx tsc -p .
 * first) and reports wall time and peak RSS (GNU time) over REPEAT runs.
 *
 *   node --import tsx bench/journal-read.ts [--mb 200] [--repeat 3]
 */
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI_JS } from '../orchestrator/run-dir/paths.js';
import { prepareRun } from '../orchestrator/run-dir/run-setup.js';
import { journalName } from '../state/journal.js';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
}

async function main(): Promise<void> {
  const mb = arg('mb', 200);
  const repeat = arg('repeat', 3);
  const dir = mkdtempSync(join(tmpdir(), 'orch-journal-'));
  try {
    const plan = join(dir, 'plan.yaml');
    writeFileSync(plan, 'version: 1\nname: big-journal\ntasks:\n  - id: A\n    run: "true"\n  - id: B\n    run: "true"\n    needs: [A]\n');
    const run = await prepareRun({ plan, runDir: dir, agents: 2, quads: 1 });
    await run.store.close();
    const file = join(run.paths.stateDir, journalName(0));
    let seq = run.store.sequence;
    const t = run.store.read().tasks['A']!;
    const fd = openSync(file, 'a');
    const tail = Array.from({ length: 6 }, (_, i) => `output line ${i} of a task that prints a little`);
    let batch: string[] = [];
    while (statSync(file).size < mb << 20) {
      for (let i = 0; i < 10_000; i++) {
        const v = { ...t, attempts: ++seq, reason: 'ready again', tail };
        batch.push(JSON.stringify({ s: seq, o: [{ op: 'task', v }] }));
      }
      writeSync(fd, batch.join('\n') + '\n');
      batch = [];
    }
    closeSync(fd);
    console.log(`journal ${(statSync(file).size / 1e6).toFixed(0)} MB, ${seq} lines`);
    for (let r = 0; r < repeat; r++) {
      const r = spawnSync('/usr/bin/time', ['-f', '%e s wall, %U s user, %S s sys, %M KB peak RSS', process.execPath, CLI_JS, 'status', '--run-dir', dir], { encoding: 'utf8' });
      console.log(`  status (exit ${r.status}): ${r.stderr.trim().split('\n').pop()}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack}\n`);
  process.exit(1);
});
