// Mocha's spec output, then one machine-readable line with mocha's real counts:
// "N passed, N failed" (pending tests are not counted as either). CI reads that line.
// With COUNTS_FILE set (./launch.sh test runs mocha more than once: parallel files, then a few
// files alone), the counts are appended to that file as "N N" instead, and launch.sh prints their sum.
'use strict';
const { appendFileSync } = require('node:fs');
const Mocha = require('mocha');
const { Spec } = Mocha.reporters;
const { EVENT_RUN_END } = Mocha.Runner.constants;

class CountsReporter extends Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once(EVENT_RUN_END, () => {
      const s = runner.stats || {};
      const passed = s.passes || 0;
      const failed = s.failures || 0;
      // Registered after Spec's epilogue, so this line comes last.
      if (process.env.COUNTS_FILE) appendFileSync(process.env.COUNTS_FILE, `${passed} ${failed}\n`);
      else process.stdout.write(`${passed} passed, ${failed} failed\n`);
    });
  }
}
module.exports = CountsReporter;
