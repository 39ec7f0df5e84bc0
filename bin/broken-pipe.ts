/**
 * What the CLI does when the reader of its output goes away (`orchestrator status | head -1`).
 * Node ignores SIGPIPE, so a write to a closed pipe becomes an EPIPE 'error' event on the
 * stream, which crashed every command with a stack trace. Instead, like a Unix program killed
 * by SIGPIPE but cleanly: the rest of the output is dropped, and
 *  - a command that handles termination (run, ha, keep-alive, worker, control: it listens for
 *    SIGTERM, now or later) is stopped through that handler, so its tasks and workers are ended
 *    and the interruption is recorded (a later run resumes);
 *  - any other command finishes its work silently with its usual exit code (0 for status).
 */

/** Installs the handling on stdout and stderr (once, at the CLI's entry). */
export function endQuietlyOnBrokenPipe(proc: NodeJS.Process = process): void {
  let broken = false;
  let stopped = false;
  // Once: a second SIGTERM means "now, without cleaning up" to some commands (worker).
  const stop = () => {
    if (stopped) return;
    stopped = true;
    proc.kill(proc.pid, 'SIGTERM');
  };
  for (const stream of [proc.stdout, proc.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EPIPE') {
        // Not ours to judge (a terminal gone: EIO); keep the old crash unless someone else listens.
        if (stream.listenerCount('error') === 1) throw e;
        return;
      }
      // The stream is destroyed now: later writes are dropped without another 'error'.
      if (broken) return;
      broken = true;
      if (proc.listenerCount('SIGTERM') > 0) stop();
    });
  }
  // A long-running command may install its stop handler only after the pipe broke.
  proc.on('newListener', (event) => {
    if (broken && event === 'SIGTERM' && proc.listenerCount('SIGTERM') === 0) setImmediate(stop);
  });
}
