/** The shared text helpers: durations, fitting text into columns, the plain table. */
import { expect } from 'chai';
import { formatDuration, formatElapsed } from '../../orchestrator/core/text/duration.js';
import { fit, fitPadded } from '../../orchestrator/core/text/fit.js';
import { table } from '../../orchestrator/core/text/table.js';

describe('text helpers', () => {
  it('formats durations precisely and running clocks in whole seconds', () => {
    expect([450, 2345, 12_345, 65_000, 3_725_000].map(formatDuration)).to.deep.equal(['450ms', '2.35s', '12.3s', '1m05s', '1h02m']);
    expect([-5, 999, 5_400, 65_000, 3_725_000].map(formatElapsed)).to.deep.equal(['0s', '0s', '5s', '1m05s', '1h02m']);
  });

  it('fits text into columns: cut with …, counted in code points; padded when asked', () => {
    expect(fit('abcdef', 4)).to.equal('abc…');
    expect(fit('abc', 4)).to.equal('abc');
    expect(fit('abc', 1)).to.equal('…');
    expect(fit('abc', 0)).to.equal('');
    expect(fit('😀😀😀', 2)).to.equal('😀…');
    expect(fitPadded('a\tb', 5)).to.equal('a b  ');
    expect(fitPadded('abcdef', 4)).to.equal('abc…');
    expect(fitPadded('x', 0)).to.equal('');
  });

  it('renders one table: left columns padded except the last, right columns aligned', () => {
    expect(table([['a', 'long title'], ['bbb', 'x']], ['ID', 'TITLE'])).to.deep.equal(['ID   TITLE', '---  ----------', 'a    long title', 'bbb  x']);
    expect(table([['w', '1.5'], ['ww', '12.25']], ['name', 'sec'], ['left', 'right'])).to.deep.equal(['name    sec', '----  -----', 'w       1.5', 'ww    12.25']);
  });
});
