/**
 * The terminal type blessed is told to use. blessed 0.1.81 cannot compile the terminfo of
 * modern ncurses for tmux-256color, screen-256color or xterm-256color (it prints
 * "Error on …" into the pane or silently falls back to 8 colours), but it ships working
 * xterm and xterm-256color definitions, whose sequences tmux and screen understand. Pure.
 */

export function blessedTerminal(term: string | undefined): string {
  const t = (term ?? '').toLowerCase();
  if (t === 'linux') return 'linux';
  if (/256|truecolor|direct/.test(t) || t.startsWith('tmux')) return 'xterm-256color';
  return 'xterm';
}

/**
 * Whether to draw boxes with Unicode line characters rather than the DEC alternate charset:
 * tmux keeps ACS cells as plain letters in `capture-pane` ("lqqk"), and every terminal that
 * speaks UTF-8 draws the Unicode characters directly.
 */
export function preferUnicodeLines(env: NodeJS.ProcessEnv): boolean {
  if (env.NCURSES_NO_UTF8_ACS !== undefined) return env.NCURSES_NO_UTF8_ACS !== '0';
  return /utf-?8/i.test(`${env.LC_ALL ?? ''}:${env.LC_CTYPE ?? ''}:${env.LANG ?? ''}`);
}
