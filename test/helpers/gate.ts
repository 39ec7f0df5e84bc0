/**
 * A controllable task command: instead of `sleep` (whose effect on a schedule depends on the
 * machine's load), each task announces that it started and then waits until the test releases
 * it. The test decides the order in which tasks finish, so a schedule is exactly reproducible.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from './cli.js';

export class Gate {
  private readonly script: string;

  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
    this.script = join(dir, 'gate.sh');
    // The task appends its id to `started` (one short line: an atomic append), then polls for its
    // release file. The poll is the task's own; the test never sleeps on it. Every 0.1 s: each
    // poll forks a `sleep`, and at 0.02 s a waiting task cost a few percent of a core.
    writeFileSync(this.script, `#!/bin/sh\necho "$1" >> '${join(dir, 'started')}'\nwhile [ ! -e '${dir}/go.'"$1" ]; do sleep 0.1; done\n`);
  }

  /** The plan's `run` for task `id`. */
  command(id: string): string {
    return `sh '${this.script}' ${id}`;
  }

  /** The ids of the tasks that started, in order. */
  started(): string[] {
    const file = join(this.dir, 'started');
    return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
  }

  release(id: string): void {
    appendFileSync(join(this.dir, `go.${id}`), '');
  }

  /** Waits until `n` tasks have started; returns their ids in order. */
  waitStarted(n: number, timeoutMs = 60_000): Promise<string[]> {
    return waitFor(`${n} started tasks`, () => {
      const s = this.started();
      return s.length >= n ? s : undefined;
    }, timeoutMs, 50);
  }
}
