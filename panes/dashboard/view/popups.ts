/**
 * The dashboard's overlays: the key help (`?`) and a task's log (`l` / enter), each a
 * bordered, scrollable box over the panels. The dashboard routes Esc, q and the opening key
 * to `close()` (screen-level keys fire before the focused box's).
 */
import blessed from 'blessed';
import type { Widgets } from 'blessed';
import { stripAnsi } from '../../../workers/output-tail.js';
import { tailLines } from '../source/log-tail.js';

export const HELP_LINES = [
  'Keys',
  '',
  '  ↑ ↓  j k     select an agent',
  '  tab  S-tab   next / previous quad',
  '  l  enter     open the selected agent\'s task log (current, else last task)',
  '  r            retry the selected agent\'s failed task (as `orchestrator retry ID`)',
  '  p            pause / resume claiming: running tasks finish, nothing new starts',
  '  ?            this help',
  '  q  C-c       quit the dashboard (the run goes on)',
  '',
  'Timeline: █ done  ▓ running  ░ failed attempt  · lost (worker died)  *T001 on the critical path',
  'Status line: makespan so far vs the lower bound; ETA from the remaining critical path and',
  'learned durations (earlier runs), else the mean duration of this run\'s finished tasks.',
  '',
  'Esc, q or ? closes this box.',
];

export interface Popup {
  box: Widgets.BoxElement;
  close(): void;
}

function popup(screen: Widgets.Screen, label: string, content: string, onClose: () => void, size?: { width: number; height: number }): Popup {
  const sw = screen.width as number;
  const sh = screen.height as number;
  const box = blessed.box({
    parent: screen, top: 'center', left: 'center', label, content,
    width: size ? Math.min(size.width, sw - 2) : '90%', height: size ? Math.min(size.height, sh - 2) : '80%',
    border: { type: 'line' }, style: { border: { fg: 'yellow' }, label: { bold: true } },
    scrollable: true, alwaysScroll: true, keys: true, vi: true, mouse: false, tags: false,
    scrollbar: { ch: ' ', style: { bg: 'yellow' } },
  });
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    box.destroy();
    onClose();
    screen.render();
  };
  box.focus();
  screen.render();
  return { box, close };
}

export function showHelp(screen: Widgets.Screen, onClose: () => void): Popup {
  const p = popup(screen, ' Help ', HELP_LINES.join('\n'), onClose, { width: Math.max(...HELP_LINES.map((l) => l.length)) + 4, height: HELP_LINES.length + 2 });
  return p;
}

/** The last 500 lines of a task's log, scrolled to the end. */
export function showTaskLog(screen: Widgets.Screen, task: string, file: string, onClose: () => void): Popup {
  const lines = tailLines(file, 500, 256 * 1024);
  const text = lines.length ? lines.join('\n') : `(no log yet at ${file})`;
  const p = popup(screen, ` ${task} · ${file} (↑↓ scroll, Esc closes) `, stripAnsi(text), onClose);
  p.box.setScrollPerc(100);
  screen.render();
  return p;
}
