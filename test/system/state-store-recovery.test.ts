/**
 * Damaged state: a corrupt or truncated state.json, or a corrupt journal line, is refused with
 * a StateError that says how to recover; the CLI (`status`) exits 2 with that message and
 * leaves the files exactly as they were; `orchestrator state recover` restores the last good
 * generation and keeps the damaged file aside. Real runs of the built CLI (npx tsc -p . first).
 */
import { expect } from 'chai';
import { readdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StateError } from '../../state/errors.js';
import { journalName } from '../../state/journal.js';
import { FileStateStore } from '../../state/store.js';
import { cli, removeDir, status, tempDir, writePlan, type StatusJson } from '../helpers/cli.js';

const HINT = 'orchestrator state recover';

/** Every file of the state folder with its bytes and mtime, to prove nothing was touched. */
function fingerprint(stateDir: string): Record<string, string> {
  return Object.fromEntries(
    readdirSync(stateDir)
      .sort()
      .map((f) => {
        const p = join(stateDir, f);
        const st = statSync(p);
        return [f, st.isDirectory() ? 'dir' : `${st.mtimeMs}:${readFileSync(p).toString('base64')}`];
      }),
  );
}

async function openError(stateDir: string): Promise<unknown> {
  try {
    await new FileStateStore(stateDir).open();
  } catch (e) {
    return e;
  }
  return undefined;
}

const brief = (s: StatusJson) => s.tasks.map((t) => `${t.id}:${t.status}`).sort();

describe('state store: damaged files and `state recover` (CLI)', function () {
  this.timeout(180_000);
  let dir: string;
  let stateDir: string;
  let before: StatusJson;

  beforeEach(async () => {
    dir = tempDir('orch-');
    stateDir = join(dir, '.orchestrator');
    const plan = writePlan(dir, [
      { id: 'a', run: 'true' },
      { id: 'b', run: 'true', needs: ['a'] },
      { id: 'c', run: 'true', needs: ['a'] },
    ]);
    const r = await cli(['run', plan, '--run-dir', dir, '--agents', '2', '--quads', '1']);
    expect(r.exitCode, r.stdout + r.stderr).to.equal(0);
    before = await status(dir);
    expect(before.counts.done).to.equal(3);
  });
  afterEach(() => removeDir(dir));

  /** status refuses (exit 2, the hint on stderr) and changes nothing; recover brings it back. */
  async function refusedThenRecovered(damaged: string): Promise<string> {
    const damagedBytes = readFileSync(join(stateDir, damaged));
    const err = await openError(stateDir);
    expect(err).to.be.instanceOf(StateError);
    expect((err as Error).message).to.contain(HINT);
    expect((err as Error).message).to.contain(damaged);

    const untouched = fingerprint(stateDir);
    const st = await cli(['status', '--run-dir', dir]);
    expect(st.exitCode, st.stdout).to.equal(2);
    expect(st.stdout).to.equal('');
    expect(st.stderr).to.match(/^state error: /);
    expect(st.stderr).to.contain(HINT);
    expect(fingerprint(stateDir), 'status must not replace the damaged file').to.deep.equal(untouched);

    const rec = await cli(['state', 'recover', '--run-dir', dir]);
    expect(rec.exitCode, rec.stderr).to.equal(0);
    const aside = readdirSync(stateDir).filter((f) => f.includes('.corrupt-'));
    expect(aside, 'the damaged file is kept aside').to.have.length(1);
    expect(rec.stdout).to.contain(`damaged file kept as ${join(stateDir, aside[0]!)}`);
    expect(readFileSync(join(stateDir, aside[0]!)).equals(damagedBytes), 'kept byte for byte').to.equal(true);
    return rec.stdout;
  }

  it('a truncated state.json is refused; recover restores it from the previous generation + journal', async () => {
    const file = join(stateDir, 'state.json');
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.slice(0, Math.floor(text.length / 2)));
    const out = await refusedThenRecovered('state.json');
    expect(out).to.match(/recovered from state\.json\.prev \(sequence \d+\) \+ \d+ journal entries/);
    const after = await status(dir);
    expect(brief(after)).to.deep.equal(brief(before));
    expect(after.counts).to.deep.equal(before.counts);
  });

  it('a state.json that is JSON but not a state is refused the same way', async () => {
    writeFileSync(join(stateDir, 'state.json'), JSON.stringify({ schema: 1, gen: 0, seq: 0, state: { tasks: 'nope' } }));
    await refusedThenRecovered('state.json');
    expect(brief(await status(dir))).to.deep.equal(brief(before));
  });

  it('a corrupt journal line is refused; recover keeps every transaction before it', async () => {
    const journal = join(stateDir, journalName(0));
    const lines = readFileSync(journal, 'utf8').split('\n').filter(Boolean);
    expect(lines.length).to.be.above(4);
    const keep = lines.length - 3;
    lines[keep] = '{"s": this is not json';
    writeFileSync(journal, lines.join('\n') + '\n');
    const out = await refusedThenRecovered(journalName(0));
    expect(out).to.match(new RegExp(`\\+ ${keep} journal entries → sequence ${keep}\\b`));
    // What was lost were the last transitions: the run reads again, from an earlier point.
    const after = await status(dir);
    expect(after.tasks.map((t) => t.id).sort()).to.deep.equal(['a', 'b', 'c']);
  });

  /** The journal of generation 0 as lines (the run above never compacts). */
  const journalLines = () => readFileSync(join(stateDir, journalName(0)), 'utf8').split('\n').filter(Boolean);

  it('one garbage line in the middle: recover keeps every valid transaction after it and says what it dropped', async () => {
    const journal = join(stateDir, journalName(0));
    const lines = journalLines();
    const k = Math.floor(lines.length / 2);
    const at = Buffer.byteLength(lines.slice(0, k).join('\n') + '\n');
    writeFileSync(journal, [...lines.slice(0, k), 'garbage from outside', ...lines.slice(k)].join('\n') + '\n');
    const out = await refusedThenRecovered(journalName(0));
    expect(out).to.contain(`+ ${lines.length} journal entries → sequence ${lines.length}`);
    expect(out).to.contain(`kept ${lines.length} entries of ${journal} (sequence 1..${lines.length})`);
    expect(out).to.match(new RegExp(`dropped 21 bytes of ${journal} at byte ${at}: unreadable`));
    expect(out).to.contain('1 journal lines (21 bytes) dropped in all');
    const after = await status(dir);
    expect(brief(after)).to.deep.equal(brief(before));
    expect(after.counts).to.deep.equal(before.counts);
  });

  it('two writers interleaved (sequence 1..k, k+2, k+3, k+1, ...): status refuses, recover repairs, never "healthy"', async () => {
    const journal = join(stateDir, journalName(0));
    const lines = journalLines();
    const k = 2;
    // What a second holder (or compactor) writing from a diverged copy leaves: two lines ahead of sequence.
    writeFileSync(journal, [...lines.slice(0, k), lines[k + 1], lines[k + 2], ...lines.slice(k)].join('\n') + '\n');
    const st = await cli(['status', '--run-dir', dir]);
    expect(st.exitCode).to.equal(2);
    expect(st.stderr).to.match(new RegExp(`skips from sequence ${k} to ${k + 2} at byte \\d+`));
    const out = await refusedThenRecovered(journalName(0));
    expect(out).to.not.match(/healthy/);
    expect(out).to.contain(`+ ${lines.length} journal entries → sequence ${lines.length}`);
    expect(out).to.contain(`(sequence ${k + 2}): skips from sequence ${k} to ${k + 2}`);
    expect(out).to.contain(`(sequence ${k + 3}): skips from sequence ${k} to ${k + 3}`);
    expect(brief(await status(dir))).to.deep.equal(brief(before));
    const again = await cli(['state', 'recover', '--run-dir', dir]);
    expect(again.stdout).to.match(/healthy/);
  });

  it('a deleted state.json: status and run refuse and point to recover, run leaves the journal alone; recover restores it', async () => {
    const journal = join(stateDir, journalName(0));
    const bytes = readFileSync(journal);
    unlinkSync(join(stateDir, 'state.json'));
    const st = await cli(['status', '--run-dir', dir]);
    expect(st.exitCode).to.equal(2);
    expect(st.stderr).to.match(/^state error: the state file .*state\.json is missing, but journal\.0\.jsonl, state\.json\.prev of a run are there/);
    expect(st.stderr).to.contain(HINT);
    const run = await cli(['run', join(dir, 'plan.yaml'), '--run-dir', dir, '--agents', '2', '--quads', '1']);
    expect(run.exitCode, run.stdout).to.equal(2);
    expect(run.stderr).to.contain(HINT);
    expect(readFileSync(journal).equals(bytes), 'run must not truncate the journal').to.equal(true);
    const rec = await cli(['state', 'recover', '--run-dir', dir]);
    expect(rec.exitCode, rec.stderr).to.equal(0);
    expect(rec.stdout).to.match(/recovered from state\.json\.prev/);
    const after = await status(dir);
    expect(brief(after)).to.deep.equal(brief(before));
  });

  it('recover on a healthy state changes nothing', async () => {
    const untouched = fingerprint(stateDir);
    const rec = await cli(['state', 'recover', '--run-dir', dir]);
    expect(rec.exitCode, rec.stderr).to.equal(0);
    expect(rec.stdout).to.match(/healthy/);
    expect(fingerprint(stateDir)).to.deep.equal(untouched);
  });
});
