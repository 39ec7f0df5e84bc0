/** Splits a task's output into lines and keeps the last few, without terminal escapes. */

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07]*(\x07|\x1b\\)|\x1b[()][A-Za-z0-9]|\r/g;

export function stripAnsi(s: string): string {
  return s.replace(ANSI, '');
}

export class OutputTail {
  private partial = '';
  readonly lines: string[] = [];

  constructor(private keep = 20, private onLine?: (line: string) => void) {}

  push(chunk: string): void {
    const parts = (this.partial + chunk).split('\n');
    this.partial = parts.pop()!;
    for (const p of parts) this.add(p);
  }

  end(): void {
    if (this.partial) this.add(this.partial);
    this.partial = '';
  }

  private add(raw: string): void {
    const line = stripAnsi(raw);
    this.lines.push(line);
    if (this.lines.length > this.keep) this.lines.shift();
    this.onLine?.(line);
  }
}
