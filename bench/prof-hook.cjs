// Loaded into every node process of a profiled run (NODE_OPTIONS=--require; node refuses
// --cpu-prof there): samples the main thread with the inspector's profiler and writes
// $BENCH_PROF_DIR/<kind>-<pid>.cpuprofile at exit, <kind> from the command line.
'use strict';
const dir = process.env.BENCH_PROF_DIR;
if (dir) {
  const inspector = require('node:inspector');
  const session = new inspector.Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: Number(process.env.BENCH_PROF_US) || 200 });
  session.post('Profiler.start');
  process.once('exit', () => {
    session.post('Profiler.stop', (err, r) => {
      if (err) return;
      const a = process.argv.slice(2);
      const kind = a[0] === 'worker' ? `worker-q${a[a.indexOf('--quad') + 1]}` : (a[0] || 'node').replace(/[^\w-]/g, '');
      try {
        require('node:fs').writeFileSync(`${dir}/${kind}-${process.pid}.cpuprofile`, JSON.stringify(r.profile));
      } catch {
        // measurement only
      }
    });
  });
}
