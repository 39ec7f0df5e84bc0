/**
 * Follows what a command writes straight into its task log (its stdout and stderr are the log
 * file itself, no pipes): from the offset where its output starts, new bytes are read back
 * every `everyMs` while it runs and once more when it is over. A short task is read exactly
 * once, at its end; a long one shows its output live within `everyMs`.
 */
import { fstatSync, readSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

/** How often a running command's log is looked at for new output. */
export const FOLLOW_EVERY_MS = 200;

const CHUNK = 64 * 1024;

export class LogFollower {
  private decoder = new StringDecoder('utf8');
  private timer?: NodeJS.Timeout;
  private buf?: Buffer;

  constructor(private fd: number, private pos: number, private onText: (text: string) => void, private everyMs = FOLLOW_EVERY_MS) {}

  /** Where the command's output starts: the log's current end (its header is written). */
  static endOf(fd: number): number {
    return fstatSync(fd).size;
  }

  start(): this {
    this.timer = setInterval(() => this.poll(), this.everyMs);
    return this;
  }

  /** Reads everything written since the last look. */
  poll(): void {
    const size = fstatSync(this.fd).size;
    while (this.pos < size) {
      this.buf ??= Buffer.allocUnsafe(CHUNK);
      const n = readSync(this.fd, this.buf, 0, Math.min(CHUNK, size - this.pos), this.pos);
      if (n <= 0) break;
      this.pos += n;
      const text = this.decoder.write(this.buf.subarray(0, n));
      if (text) this.onText(text);
    }
  }

  /** The command is over: the last of its output, then no more looks. */
  stop(): void {
    clearInterval(this.timer);
    try {
      this.poll();
    } catch {
      // The log went away: what was read is what there is.
    }
    const rest = this.decoder.end();
    if (rest) this.onText(rest);
  }
}
