// Loaded into every node process of a benchmarked run (NODE_OPTIONS=--require): at exit, it
// records the process's own CPU time and peak RSS in $BENCH_CPU_DIR/<pid>.json.
'use strict';
const dir = process.env.BENCH_CPU_DIR;
if (dir) {
  process.once('exit', () => {
    try {
      const u = process.cpuUsage();
      const r = process.resourceUsage();
      require('node:fs').writeFileSync(`${dir}/${process.pid}.json`, JSON.stringify({ pid: process.pid, userUs: u.user, systemUs: u.system, maxRssKB: r.maxRSS, argv: process.argv.slice(2, 4) }));
    } catch {
      // measurement only
    }
  });
}
