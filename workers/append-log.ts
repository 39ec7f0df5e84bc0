/**
 * An append-only log file written asynchronously: writes are queued to the file system's
 * threads, so a task flooding its output never blocks the worker's event loop (its heartbeat).
 * `write` returns false once more than `highWaterMark` bytes wait, and `onDrain` says when to
 * go on: the producer (a task's pipe) pauses meanwhile, so memory stays bounded and the task
 * itself is slowed to disk speed, as a terminal would.
 *
 * A write that fails (a full or read-only disk) does not fail the task: the log degrades — the
 * rest is dropped, `failed` says why and `onFail` hears it once. Opened without following a
 * symlink (a log file planted as a link is refused, never written through).
 */
import { constants, createWriteStream, type WriteStream } from 'node:fs';

// A number: fs.open takes one (the typings say string), and only a number can say O_NOFOLLOW.
const FLAGS = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW;

export class AppendLog {
  /** Why the log stopped taking writes (open or write error), if it did. */
  failed?: string;
  /** The file could not even be opened (a name too long, no permission, a planted symlink). */
  openFailed = false;
  private stream: WriteStream;
  private drains: Array<() => void> = [];
  private closed: Promise<void>;
  private opened: Promise<void>;

  constructor(readonly path: string, private onFail: (message: string) => void = () => undefined, highWaterMark = 1 << 20) {
    this.stream = createWriteStream(path, { flags: FLAGS as unknown as string, mode: 0o600, highWaterMark });
    this.opened = new Promise((resolve) => {
      let open = false;
      this.stream.once('ready', () => {
        open = true;
        resolve();
      });
      this.stream.once('error', () => {
        if (!open) this.openFailed = true;
        resolve();
      });
    });
    this.closed = new Promise((resolve) => this.stream.once('close', resolve));
    this.stream.on('error', (e: NodeJS.ErrnoException) => this.fail(e));
    this.stream.on('drain', () => this.release());
  }

  /** Resolves once the file is open, or with `failed` set when it could not be opened. */
  async ready(): Promise<void> {
    await this.opened;
  }

  /** Queues `data`; false means: wait for onDrain before writing more. */
  write(data: string | Buffer): boolean {
    if (this.failed || this.stream.destroyed) return true;
    return this.stream.write(data);
  }

  onDrain(cb: () => void): void {
    if (this.failed || !this.stream.writableNeedDrain) cb();
    else this.drains.push(cb);
  }

  /** Flushes what is queued and closes the file. */
  async end(): Promise<void> {
    if (!this.stream.destroyed && !this.stream.writableEnded) this.stream.end();
    await this.closed;
  }

  private fail(e: NodeJS.ErrnoException): void {
    if (this.failed) return;
    this.failed = `${e.code ?? 'error'} writing ${this.path}: ${e.message}`;
    this.release();
    this.onFail(this.failed);
  }

  private release(): void {
    const waiting = this.drains;
    this.drains = [];
    for (const cb of waiting) cb();
  }
}
