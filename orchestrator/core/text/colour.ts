/**
 * Colour for terminal output: on a terminal only, never with NO_COLOR (no-color.org) or
 * TERM=dumb; FORCE_COLOR turns it on anywhere (for tests and `less -R`).
 */
export interface ColourEnv {
  isTTY?: boolean;
  env?: NodeJS.ProcessEnv;
}

export function colourEnabled(o: ColourEnv): boolean {
  const env = o.env ?? {};
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  return !!o.isTTY && env.TERM !== 'dumb';
}

export type Tone = 'red' | 'yellow' | 'green' | 'blue' | 'magenta' | 'cyan' | 'dim' | 'bold';
const CODES: Record<Tone, string> = { red: '31', yellow: '33', green: '32', blue: '34', magenta: '35', cyan: '36', dim: '2', bold: '1' };

export function paint(on: boolean, tone: Tone, text: string): string {
  return on ? `\x1b[${CODES[tone]}m${text}\x1b[0m` : text;
}

/** A painter bound to whether colour is on (for one output stream). */
export function painter(on: boolean): (tone: Tone, text: string) => string {
  return (tone, text) => paint(on, tone, text);
}

const AGENT_TONES: Tone[] = ['cyan', 'magenta', 'blue', 'yellow', 'green'];

/** A stable colour per agent name, so one agent's lines read as one thread. */
export function agentTone(name: string): Tone {
  let h = 0;
  for (const ch of name) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return AGENT_TONES[h % AGENT_TONES.length]!;
}

/** The tone of a line that reports trouble: failures red, alerts and retries yellow. */
export function troubleTone(line: string): Tone | undefined {
  if (/\b(ALERT|alert)\b|retr(y|ied|ying)|restart/.test(line)) return 'yellow';
  if (/✖|\bFAILED\b|failed|exited with [1-9]|\berror\b/.test(line)) return 'red';
  return undefined;
}

/** SGR colour parameters: foreground, background, bright, 256-colour and true-colour forms. */
function isColourParam(params: string[], i: number): number {
  const p = Number(params[i]);
  if ((p >= 30 && p <= 37) || p === 39 || (p >= 40 && p <= 47) || p === 49 || (p >= 90 && p <= 97) || (p >= 100 && p <= 107)) return 1;
  if (p === 38 || p === 48) return params[i + 1] === '5' ? 3 : params[i + 1] === '2' ? 5 : 1;
  return 0;
}

/**
 * Terminal output with the colours taken out of its SGR sequences (bold, reverse and the rest
 * kept, so a selection stays visible): how the dashboard honours NO_COLOR.
 */
export function stripColourSgr(text: string): string {
  return text.replace(/\x1b\[([0-9;]*)m/g, (all, body: string) => {
    if (!body) return all;
    const params = body.split(';');
    const kept: string[] = [];
    for (let i = 0; i < params.length; ) {
      const n = isColourParam(params, i);
      if (n) i += n;
      else kept.push(params[i++]!);
    }
    return kept.length ? `\x1b[${kept.join(';')}m` : '';
  });
}
