/**
 * The dashboard's run source notices a run replaced in place (`run --fresh` / `reset` move the
 * state aside and create a new one) through the store alone: the replacement starts at the same
 * generation and journal offset, the case a long-lived store used to miss. Real files.
 */
import { expect } from 'chai';
import { join } from 'node:path';
import { runPaths } from '../../orchestrator/run-dir/paths.js';
import { prepareRun } from '../../orchestrator/run-dir/run-setup.js';
import { RunSource } from '../../panes/dashboard/source/run-source.js';
import { removeDir, tempDir, writePlan } from '../helpers/cli.js';

describe('dashboard run source: a run replaced in place', function () {
  this.timeout(60_000);
  let dir: string;
  let source: RunSource | undefined;
  beforeEach(() => {
    dir = tempDir('orch-');
  });
  afterEach(() => {
    source?.detach();
    removeDir(dir);
  });

  it('shows the old run until the state is replaced, then re-attaches to the new one', async () => {
    const runDir = join(dir, 'run');
    const first = await prepareRun({ plan: writePlan(dir, [{ id: 'A', run: 'true' }]), runDir });
    const firstId = first.store.read().meta.runId;
    await first.store.close();
    source = new RunSource(runPaths(runDir), () => undefined, 50);
    expect(await source.attach()).to.equal(undefined);
    const before = source.snapshot();
    expect('state' in before && before.state.meta.runId).to.equal(firstId);

    const second = await prepareRun({ plan: writePlan(dir, [{ id: 'B', run: 'true' }], {}, 'other.yaml'), runDir, fresh: true });
    const secondId = second.store.read().meta.runId;
    await second.store.close();
    expect(secondId).to.not.equal(firstId);

    const after = source.snapshot();
    expect(after, 'the replacement is noticed on the next read').to.deep.equal({ error: 'The run was restarted; re-opening it…' });
    expect(source.run).to.equal(undefined);
    expect(await source.attach()).to.equal(undefined);
    const again = source.snapshot();
    expect('state' in again && Object.keys(again.state.tasks)).to.deep.equal(['B']);
    expect(source.run!.runId).to.equal(secondId);
  });
});
