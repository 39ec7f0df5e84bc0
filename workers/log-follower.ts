/**
 * Follows what a command writes straight into its task log (its stdout and stderr are the log
 * file itself: no pipe, nothing per chunk in this process). From the offset where its output
 * starts, new bytes are read back every `everyMs` while it runs and once more when it is over,
 * for the task's tail and its agent's view: all of the first `headBytes`, then at most the last
 * `windowBytes` of what came since the last look (a flood is skipped over, not read back; the
 * log has it). A short task is read once, at its end.
 */
import { fstatSync, readSync } from 'node:fs';

/** How often a running command's log is looked at for new output. */
export const FOLLOW_EVERY_MS = 200;
const WINDOW_BYTES = 64 * 1024;

export interface FollowTarget {
  /** Bytes of output, in order (the buffer is reused: copy what is kept). */
  onOutput: (chunk: Buffer) => unknown;
  /** Output between the last look and this one was skipped (the next chunk starts mid-line). */
  onSkip?: () => void;
}

export class LogFollower {
  private timer?: NodeJS.Timeout;
  private buf = Buffer.allocUnsafe(WINDOW_BYTES);
  private readonly headEnd: number;

  constructor(private fd: number, private pos: number, private to: FollowTarget, headBytes = 16 * 1024, private everyMs = FOLLOW_EVERY_MS) {
    this.headEnd = pos + headBytes;
  }

  start(): this {
    this.timer = setInterval(() => this.look(), this.everyMs);
    return this;
  }

  /** The command is over: the last of its output, then no more looks. */
  stop(): void {
    clearInterval(this.timer);
    this.look();
  }

  private look(): void {
    try {
      const size = fstatSync(this.fd).size;
      if (this.pos < this.headEnd) this.read(Math.min(size, this.headEnd));
      if (size - this.pos > WINDOW_BYTES) {
        this.pos = size - WINDOW_BYTES;
        this.to.onSkip?.();
      }
      this.read(size);
    } catch {
      // The log went away or cannot be read: what was read is what there is.
    }
  }

  private read(to: number): void {
    while (this.pos < to) {
      const n = readSync(this.fd, this.buf, 0, Math.min(this.buf.length, to - this.pos), this.pos);
      if (n <= 0) return;
      this.pos += n;
      this.to.onOutput(this.buf.subarray(0, n));
    }
  }
}
