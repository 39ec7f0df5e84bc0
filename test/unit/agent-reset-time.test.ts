/** Reading when a usage limit ends, in every wording of the shared facts, with an injected clock. */
import { expect } from 'chai';
import { parseResetTime, resetTimeOr5h, UNKNOWN_RESET_MS } from '../../orchestrator/core/agents/reset-time.js';

const NOW = Date.UTC(2026, 7, 11, 15, 0, 0); // 11 Aug 2026, 15:00 UTC
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

describe('usage-limit reset times', () => {
  it('claude current wording with a zone: the next 8 pm there', () => {
    expect(iso(parseResetTime("You've hit your session limit · resets 8pm (America/New_York)", NOW))).to.equal('2026-08-12T00:00:00.000Z');
    expect(iso(parseResetTime("You've hit your weekly limit · resets 2pm (Europe/Berlin)", NOW))).to.equal('2026-08-12T12:00:00.000Z');
  });
  it('claude legacy: the epoch after the bar; the older sentence', () => {
    expect(parseResetTime('Claude AI usage limit reached|1755772800', NOW)).to.equal(1755772800 * 1000);
    expect(iso(parseResetTime('Claude usage limit reached. Your limit will reset at 4pm (Europe/Berlin).', NOW))).to.equal('2026-08-12T14:00:00.000Z');
  });
  it('codex: a clock time today, or tomorrow once passed; a full date', () => {
    expect(iso(parseResetTime('try again at 3:28 PM.', NOW))).to.equal('2026-08-11T15:28:00.000Z');
    expect(iso(parseResetTime('try again at 2:10 PM.', NOW))).to.equal('2026-08-12T14:10:00.000Z');
    expect(iso(parseResetTime('try again at 3:28 PM.', NOW, 'America/New_York'))).to.equal('2026-08-11T19:28:00.000Z');
    expect(iso(parseResetTime('try again at Aug 27th, 2026 8:00 PM.', NOW))).to.equal('2026-08-27T20:00:00.000Z');
  });
  it('gemini: a duration from now', () => {
    expect(parseResetTime('Your quota will reset after 2h52m39s.', NOW)! - NOW).to.equal(10_359_000);
    expect(parseResetTime('Your quota will reset after 45s.', NOW)! - NOW).to.equal(45_000);
  });
  it('anything else: now + 5 h', () => {
    expect(parseResetTime("You've hit your usage limit.", NOW)).to.equal(undefined);
    expect(resetTimeOr5h("You've hit your usage limit.", NOW)).to.equal(NOW + UNKNOWN_RESET_MS);
    expect(resetTimeOr5h('resets 8pm (Not/AZone)', NOW)).to.equal(Date.UTC(2026, 7, 11, 20));
  });
});
