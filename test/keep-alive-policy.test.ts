import { expect } from 'chai';
import { classify, type Observation } from '../orchestrator/health.js';
import { decideRestart, HEALTHY_RESET_MS, MAX_RESTARTS } from '../orchestrator/restart-policy.js';

describe('restart policy (pure)', () => {
  it('restarts with delays 1, 2, 4, 8, 16 s, then gives up', () => {
    const delays: number[] = [];
    let restarts = 0;
    for (;;) {
      const d = decideRestart({ restarts, lastRestartAt: 1000 }, 2000);
      if (d.action === 'give-up') break;
      delays.push(d.delayMs);
      restarts = d.attempt;
    }
    expect(delays).to.deep.equal([1000, 2000, 4000, 8000, 16000]);
    expect(restarts).to.equal(MAX_RESTARTS);
  });

  it('forgets restarts after a minute of health', () => {
    expect(decideRestart({ restarts: 5, lastRestartAt: 0 }, HEALTHY_RESET_MS - 1)).to.deep.equal({ action: 'give-up', restarts: 5 });
    expect(decideRestart({ restarts: 5, lastRestartAt: 0 }, HEALTHY_RESET_MS)).to.deep.equal({ action: 'restart', delayMs: 1000, attempt: 1 });
  });

  it('first failure of a never-restarted group waits 1 s', () => {
    expect(decideRestart({ restarts: 0 }, 0)).to.deep.equal({ action: 'restart', delayMs: 1000, attempt: 1 });
  });
});

describe('group health classification (pure)', () => {
  const base: Observation = { now: 100_000, alive: true, heartbeatAt: 99_500, startedAt: 50_000, exitedFinished: false, runOver: false, intervalMs: 2000 };

  it('healthy with a fresh heartbeat', () => expect(classify(base)).to.equal('healthy'));
  it('hung when alive with a heartbeat older than three intervals', () => {
    expect(classify({ ...base, heartbeatAt: 93_000 })).to.equal('hung');
    expect(classify({ ...base, heartbeatAt: 94_500 })).to.equal('healthy');
  });
  it('starting while a fresh process has not beaten yet, hung when it never does', () => {
    expect(classify({ ...base, heartbeatAt: 40_000, startedAt: 98_000 })).to.equal('starting');
    expect(classify({ ...base, heartbeatAt: undefined, startedAt: 80_000 })).to.equal('hung');
  });
  it('crashed when dead, crash-looping when dead soon after a restart', () => {
    expect(classify({ ...base, alive: false })).to.equal('crashed');
    expect(classify({ ...base, alive: false, lastRestartAt: 95_000 })).to.equal('crash-looping');
    expect(classify({ ...base, alive: false, lastRestartAt: 10_000 })).to.equal('crashed');
  });
  it('finished, not failed, when it exited because the run is over', () => {
    expect(classify({ ...base, alive: false, exitedFinished: true })).to.equal('finished');
    expect(classify({ ...base, alive: false, runOver: true })).to.equal('finished');
  });
});
