// Loaded into every node process of a benchmarked run (NODE_OPTIONS=--require): at exit, it
// records the process's own CPU time (getrusage of this process: its children's CPU is not
// included) and peak RSS in $BENCH_CPU_DIR/<pid>.json, with the process's kind read from its
// command line: `run`, `worker` with its quad, `keep-alive`, `control`, ...
'use strict';
const dir = process.env.BENCH_CPU_DIR;
if (dir) {
  process.once('exit', () => {
    try {
      const u = process.cpuUsage();
      const r = process.resourceUsage();
      const argv = process.argv.slice(2);
      const q = argv.indexOf('--quad');
      const kind = argv[0] === 'worker' && q > 0 ? `q${argv[q + 1]}` : argv[0] || 'node';
      require('node:fs').writeFileSync(`${dir}/${process.pid}.json`, JSON.stringify({ pid: process.pid, kind, userUs: u.user, systemUs: u.system, maxRssKB: r.maxRSS, argv: argv.slice(0, 3) }));
    } catch {
      // measurement only
    }
  });
}
