/** The supervisor scaffold's signal handling: the first shutdown signal winds down, repeats do nothing, close stops listening. */
import { expect } from 'chai';
import { SHUTDOWN_SIGNALS, SupervisorProcess } from '../../orchestrator/supervisors/supervisor-process.js';

describe('supervisor process scaffold', () => {
  it('winds down once on the first signal, stops and flushes its monitors on close, then stops listening', async () => {
    const before = SHUTDOWN_SIGNALS.map((s) => process.listenerCount(s));
    const self = SupervisorProcess.withoutSeat();
    const seen: string[] = [];
    self.onShutdown((sig) => seen.push(`down ${sig}`));
    expect(SHUTDOWN_SIGNALS.map((s) => process.listenerCount(s))).to.deep.equal(before.map((n) => n + 1));
    process.emit('SIGHUP', 'SIGHUP');
    process.emit('SIGTERM', 'SIGTERM');
    expect(seen).to.deep.equal(['down SIGHUP']);
    expect(self.signal).to.equal('SIGHUP');
    await self.close({ stop: () => seen.push('stop'), flushAlerts: async () => void seen.push('flush') }, undefined, { stop: () => seen.push('stop 2') });
    await self.close({ stop: () => seen.push('again') });
    expect(seen).to.deep.equal(['down SIGHUP', 'stop', 'stop 2', 'flush']);
    expect(SHUTDOWN_SIGNALS.map((s) => process.listenerCount(s))).to.deep.equal(before);
  });
});
