/**
 * `--load N`: N busy loops (plain `sh` loops at normal priority) that run beside both tools
 * for a whole workload, so that "on a busy machine" is measured side by side. Each loop is
 * ended by its own pid.
 */
import { spawn, type ChildProcess } from 'node:child_process';

export class BusyLoops {
  private loops: ChildProcess[] = [];

  constructor(private n: number) {}

  start(): this {
    for (let i = 0; i < this.n; i++) this.loops.push(spawn('sh', ['-c', 'while :; do :; done'], { stdio: 'ignore' }));
    return this;
  }

  /** The loops' pids (for the record). */
  get pids(): number[] {
    return this.loops.flatMap((c) => (c.pid ? [c.pid] : []));
  }

  async stop(): Promise<void> {
    const loops = this.loops;
    this.loops = [];
    await Promise.all(
      loops.map((c) => new Promise<void>((res) => {
        if (c.exitCode !== null || c.signalCode !== null || !c.pid) return res();
        c.once('exit', () => res());
        c.kill('SIGKILL');
      })),
    );
  }
}
