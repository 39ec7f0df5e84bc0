/**
 * Splits a task's output into lines and keeps the last few, without terminal escapes, in time
 * linear in the output and memory bounded whatever it holds: a line is cut at MAX_LINE_CHARS
 * (a 60 MB line without a newline is kept as its first few hundred characters, not
 * accumulated), and past the first `headBytes` of output only the last lines of each chunk are
 * decoded (a flood of short lines is scanned for newlines from the end, not split). Every line
 * that is decoded goes to `onLine` (the agent's view and log): all of them in the head, then
 * at most `keep` per chunk.
 */

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07]*(\x07|\x1b\\)|\x1b[()][A-Za-z0-9]|\r/g;

/** Longest line kept (in the state's tail, views and the agent log), in characters. */
export const MAX_LINE_CHARS = 400;
/** Bytes of a partial line kept (UTF-8 takes up to 4 bytes a character). */
const MAX_PARTIAL_BYTES = MAX_LINE_CHARS * 4;
const NL = 0x0a;

export function stripAnsi(s: string): string {
  return s.replace(ANSI, '');
}

/** A line as it is kept: escapes removed, at most MAX_LINE_CHARS (cut lines end with '…'). */
export function boundLine(raw: string, cut = false): string {
  const line = stripAnsi(raw.length > MAX_PARTIAL_BYTES ? raw.slice(0, MAX_PARTIAL_BYTES) : raw);
  return line.length > MAX_LINE_CHARS || cut ? `${line.slice(0, MAX_LINE_CHARS - 1)}…` : line;
}

export class OutputTail {
  readonly lines: string[] = [];
  private partial: Buffer[] = [];
  private partialBytes = 0;
  private partialCut = false;
  private headLeft: number;

  constructor(private keep = 20, private onLine?: (line: string) => void, headBytes = 16 * 1024) {
    this.headLeft = headBytes;
  }

  push(data: Buffer | string): void {
    const chunk = typeof data === 'string' ? Buffer.from(data) : data;
    let start = 0;
    // The head: every line.
    while (this.headLeft > 0 && start < chunk.length) {
      const nl = chunk.indexOf(NL, start);
      if (nl < 0) break;
      this.headLeft -= nl + 1 - start;
      this.complete(chunk, start, nl);
      start = nl + 1;
    }
    if (start >= chunk.length) return;
    if (this.headLeft > 0) return this.hold(chunk, start, chunk.length);
    // Past the head: the last `keep` complete lines of the chunk (and the boundary before them).
    const nls: number[] = [];
    for (let p = chunk.length; nls.length <= this.keep; ) {
      const i = p > start ? chunk.lastIndexOf(NL, p - 1) : -1;
      if (i < start) break;
      nls.push(i);
      p = i;
    }
    if (!nls.length) return this.hold(chunk, start, chunk.length);
    nls.reverse();
    let from = start;
    if (nls.length > this.keep) {
      // Lines before the boundary are skipped, with whatever partial line preceded them.
      this.dropPartial();
      from = nls.shift()! + 1;
    }
    for (const nl of nls) {
      this.complete(chunk, from, nl);
      from = nl + 1;
    }
    if (from < chunk.length) this.hold(chunk, from, chunk.length);
  }

  /** Output was skipped (read back from a log past a flood): what follows starts mid-line. */
  skip(): void {
    this.dropPartial();
    this.partialCut = true;
    this.headLeft = 0;
  }

  end(): void {
    if (this.partialBytes || this.partialCut) this.emit(Buffer.concat(this.partial).toString('utf8'), this.partialCut);
    this.dropPartial();
  }

  /** Keeps the start of an unfinished line, at most MAX_PARTIAL_BYTES of it. */
  private hold(chunk: Buffer, from: number, to: number): void {
    const room = MAX_PARTIAL_BYTES - this.partialBytes;
    if (to - from > room) this.partialCut = true;
    const take = Math.min(room, to - from);
    if (take <= 0) return;
    // A copy: the chunk's memory is the stream's and may be reused.
    this.partial.push(Buffer.from(chunk.subarray(from, from + take)));
    this.partialBytes += take;
  }

  private complete(chunk: Buffer, from: number, to: number): void {
    if (!this.partialBytes && !this.partialCut) return this.emit(chunk.toString('utf8', from, Math.min(to, from + MAX_PARTIAL_BYTES)), to - from > MAX_PARTIAL_BYTES);
    this.hold(chunk, from, to);
    const cut = this.partialCut;
    const text = Buffer.concat(this.partial).toString('utf8');
    this.dropPartial();
    this.emit(text, cut);
  }

  private dropPartial(): void {
    this.partial = [];
    this.partialBytes = 0;
    this.partialCut = false;
  }

  private emit(raw: string, cut: boolean): void {
    const line = boundLine(raw, cut);
    this.lines.push(line);
    if (this.lines.length > this.keep) this.lines.shift();
    this.onLine?.(line);
  }
}
