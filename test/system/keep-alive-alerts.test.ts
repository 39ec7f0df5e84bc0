/**
 * The alert sink and forwarder with real commands: the alert as one JSON object on stdin, a
 * bounded time (the command's whole process group is killed), failures logged and never thrown,
 * each alert of the state forwarded once even across a monitor restart.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { removeDir, tempDir, waitFor } from '../helpers/cli.js';
import { AlertForwarder } from '../../orchestrator/alerts/alert-forwarder.js';
import { AlertSink } from '../../orchestrator/alerts/alert-sink.js';
import { pidAlive } from '../../workers/os/process-tree.js';
import type { Alert } from '../../state/schema.js';

const alert = (n: number): Alert => ({ at: 1000 + n, level: 'warning', kind: 'group-crashed', message: `quad ${n} died`, quad: n });

describe('keep-alive alerts (real commands)', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => {
    dir = tempDir('orch-alert-');
  });
  afterEach(() => removeDir(dir));
  const log = () => readFileSync(join(dir, 'keep_alive.log'), 'utf8');

  it('gives the command the alert as one JSON object on stdin and logs a line', async () => {
    const sink = new AlertSink(join(dir, 'keep_alive.log'), 'cat > got.json', dir);
    await sink.send(alert(2));
    expect(JSON.parse(readFileSync(join(dir, 'got.json'), 'utf8'))).to.deep.equal(alert(2));
    expect(log()).to.match(/ALERT WARNING group-crashed \[quad 2\]: quad 2 died/);
  });

  it('argv form, failure and a missing program are logged, never thrown', async () => {
    await new AlertSink(join(dir, 'keep_alive.log'), ['/bin/sh', '-c', 'echo boom >&2; exit 3'], dir).send(alert(1));
    expect(log()).to.match(/alert_command failed \(exit 3\): boom/);
    await new AlertSink(join(dir, 'keep_alive.log'), ['/nonexistent/notify'], dir).send(alert(1));
    expect(log()).to.match(/alert_command could not run/);
  });

  it('kills a command (and its background children) that outlives its time', async () => {
    const sink = new AlertSink(join(dir, 'keep_alive.log'), 'sleep 60 & echo $! > bg.pid; sleep 60', dir, 500);
    await sink.send(alert(1));
    expect(log()).to.match(/timed out after 500 ms and was killed/);
    const bg = Number(readFileSync(join(dir, 'bg.pid'), 'utf8'));
    await waitFor('the background child to be gone', () => !pidAlive(bg) || undefined, 5000, 50);
  });

  it('forwards each alert once, in order, and a new forwarder continues after the last one sent', async () => {
    const sink = new AlertSink(join(dir, 'keep_alive.log'), 'cat >> all.jsonl', dir);
    const cursor = join(dir, 'alerts.sent');
    const f1 = new AlertForwarder(sink, cursor);
    f1.pump([alert(1), alert(2)]);
    f1.pump([alert(1), alert(2)]);
    await f1.drain();
    f1.pump([alert(1), alert(2), alert(3)]);
    await f1.drain();
    const f2 = new AlertForwarder(sink, cursor);
    f2.pump([alert(1), alert(2), alert(3), alert(4)]);
    await f2.drain();
    const got = readFileSync(join(dir, 'all.jsonl'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as Alert).quad);
    expect(got).to.deep.equal([1, 2, 3, 4]);
  });
});
