// Mocha's spec output, then one machine-readable line with mocha's real counts:
// "N passed, N failed" (pending tests are not counted as either). CI reads that line.
'use strict';
const Mocha = require('mocha');
const { Spec } = Mocha.reporters;
const { EVENT_RUN_END } = Mocha.Runner.constants;

class CountsReporter extends Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once(EVENT_RUN_END, () => {
      const s = runner.stats || {};
      // Registered after Spec's epilogue, so this line comes last.
      process.stdout.write(`${s.passes || 0} passed, ${s.failures || 0} failed\n`);
    });
  }
}
module.exports = CountsReporter;
