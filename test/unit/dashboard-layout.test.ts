/**
 * The dashboard's drawing decisions, pure: which panels fit which terminal size, table column
 * widths (agent names never cut), the timeline as text, the terminal type given to blessed.
 */
import { expect } from 'chai';
import { FILL, renderGantt } from '../../panes/dashboard/view/gantt-text.js';
import { planLayout, type Layout } from '../../panes/dashboard/model/layout.js';
import { blessedTerminal, preferUnicodeLines } from '../../panes/dashboard/view/terminal.js';
import type { Timeline } from '../../panes/dashboard/model/timeline.js';
import { fitRows, type AgentRow } from '../../panes/dashboard/model/view-model.js';
import { agentCells, agentColumns, taskCell } from '../../panes/dashboard/view/view-text.js';

const names = (l: Layout) => l.panels.map((p) => p.name).sort();

function checkTiling(l: Layout): void {
  const owner = new Int16Array(l.rows * l.cols).fill(-1);
  l.panels.forEach((p, i) => {
    expect(p.row + p.rowSpan, `${p.name} bottom`).to.be.at.most(l.rows);
    expect(p.col + p.colSpan, `${p.name} right`).to.be.at.most(l.cols);
    for (let r = p.row; r < p.row + p.rowSpan; r++) {
      for (let c = p.col; c < p.col + p.colSpan; c++) {
        const k = r * l.cols + c;
        if (owner[k]! >= 0) expect.fail(`${p.name} overlaps ${l.panels[owner[k]!]!.name} at ${r},${c}`);
        owner[k] = i;
      }
    }
  });
}

describe('dashboard layout and text (pure)', () => {
  it('keeps the table and the gauge at 80×24 and collapses the charts', () => {
    const l = planLayout({ width: 80, height: 24, agents: 12, gpu: true });
    expect(names(l)).to.deep.equal(['counts', 'gauge', 'table']);
    const table = l.panels.find((p) => p.name === 'table')!;
    expect(table.rowSpan).to.equal(16); // 12 agents + header + borders: every agent visible
    checkTiling(l);
  });

  it('gives a short pane (the control pane of an 80×24 session, 40×12) to the agents, not the gauge', () => {
    const l = planLayout({ width: 40, height: 12, agents: 12, gpu: false });
    expect(names(l)).to.deep.equal(['table']);
    expect(l.panels[0]!.rowSpan - 4, 'agent rows visible').to.equal(7);
    checkTiling(l);
  });

  it('puts the busy agents first when the table cannot show every row', () => {
    const row = (name: string, quad: number, state: AgentRow['state']) => ({ name, quad, state }) as AgentRow;
    const rows = [row('a', 1, 'idle'), row('b', 1, 'idle'), row('c', 2, 'running'), row('d', 3, 'idle'), row('e', 3, 'retrying')];
    expect(fitRows(rows, 5).map((r) => r.name)).to.deep.equal(['a', 'b', 'c', 'd', 'e']);
    expect(fitRows(rows, 3).map((r) => r.name)).to.deep.equal(['c', 'e', 'a', 'b', 'd']);
  });

  it('shows everything at 120×40 and 200×60, the GPU panel only when a GPU answered', () => {
    for (const [width, height] of [[120, 40], [200, 60]] as const) {
      const l = planLayout({ width, height, agents: 12, gpu: false });
      expect(names(l)).to.include.members(['table', 'gauge', 'counts', 'quads', 'timeline', 'cpu', 'mem', 'log', 'detail']);
      expect(names(l)).to.not.include('gpu');
      expect(l.panels.find((p) => p.name === 'timeline')!.rowSpan).to.be.at.least(15);
      checkTiling(l);
      const g = planLayout({ width, height, agents: 12, gpu: true });
      expect(names(g)).to.include('gpu');
      checkTiling(g);
    }
  });

  it('tiles every size from tiny to huge without overlap or overflow', () => {
    for (let w = 20; w <= 260; w += 7) {
      for (let h = 6; h <= 80; h += 3) {
        for (const agents of [3, 12, 30]) {
          const l = planLayout({ width: w, height: h, agents, gpu: w % 2 === 0 });
          checkTiling(l);
          expect(names(l), `${w}x${h}`).to.include('table');
        }
      }
    }
  });

  it('gives agent names their full width (Voice-Synthesis-Agent, 21 chars) at 80 columns', () => {
    const cols = agentColumns(80 - 3, 21);
    expect(cols.find((c) => c.key === 'agent')!.width).to.equal(21);
    expect(cols.reduce((n, c) => n + c.width + 1, 0)).to.be.at.most(77);
    const row: AgentRow = { name: 'Voice-Synthesis-Agent', quad: 1, state: 'retrying', task: 'T004', title: 'Voice Synthesis and a very long title indeed', attempt: 2, elapsedMs: 12_345, restarts: 2, done: 3 };
    const cells = agentCells(row, cols, true);
    expect(cells.slice(0, 3)).to.deep.equal(['1', 'Voice-Synthesis-Agent', 'retrying']);
    expect(cells[3]).to.match(/^T004#2 Voice Synthesis.*…$/);
    expect(cells[3]!.length).to.equal(cols[3]!.width);
    expect(cells.slice(4)).to.deep.equal(['12.3s', '2']);
  });

  it('shows an idle agent\'s failed last task, so r can be aimed at it', () => {
    const idle: AgentRow = { name: 'A', quad: 1, state: 'idle', elapsedMs: 1, restarts: 0, done: 0, focusTask: 'T006', focusStatus: 'failed', focusTitle: 'Avatar Trainer' };
    expect(taskCell(idle)).to.equal('T006 ✖ failed Avatar Trainer');
    expect(taskCell({ ...idle, focusStatus: 'done' })).to.equal('T006 ✔ Avatar Trainer');
    expect(taskCell({ ...idle, focusTask: undefined })).to.equal('');
  });

  it('draws the timeline as text: a line per agent, outcome fills, * on the critical path, an axis', () => {
    const tl: Timeline = {
      start: 0, end: 10_000,
      rows: [
        { agent: 'Core-Setup-Agent', bars: [{ agent: 'Core-Setup-Agent', task: 'T001', attempt: 1, start: 0, end: 4000, status: 'done', critical: true }] },
        { agent: 'Voice-Synthesis-Agent', bars: [
          { agent: 'Voice-Synthesis-Agent', task: 'T002', attempt: 1, start: 1000, end: 3000, status: 'failed', critical: false },
          { agent: 'Voice-Synthesis-Agent', task: 'T002', attempt: 2, start: 5000, end: 10_000, status: 'running', critical: false },
        ] },
        { agent: 'Idle-Agent', bars: [] },
      ],
    };
    const lines = renderGantt(tl, { width: 62, nameWidth: 21 });
    expect(lines).to.have.length(4);
    for (const l of lines) expect(l).to.have.length(62);
    expect(lines[0]).to.match(/^Core-Setup-Agent {5}│\*T001█{11} +$/);
    expect(lines[1]).to.match(/^Voice-Synthesis-Agent│ {4}T002░{4} {8}T002▓{16}$/);
    expect(lines[2]).to.match(/^Idle-Agent {11}│ {40}$/);
    expect(lines[3]).to.match(/^ {21}└0s─+5\.00s─+10\.0s$/);
    const tagged = renderGantt(tl, { width: 62, nameWidth: 21, tags: true });
    expect(tagged[0]).to.include('{green-fg}{bold}' + FILL.done);
    expect(tagged[1]).to.include('{red-fg}');
  });

  it('tells blessed a terminal type it can parse', () => {
    expect(blessedTerminal('tmux-256color')).to.equal('xterm-256color');
    expect(blessedTerminal('screen-256color')).to.equal('xterm-256color');
    expect(blessedTerminal('screen')).to.equal('xterm');
    expect(blessedTerminal('tmux')).to.equal('xterm-256color');
    expect(blessedTerminal(undefined)).to.equal('xterm');
    expect(blessedTerminal('linux')).to.equal('linux');
    expect(preferUnicodeLines({ LANG: 'C.UTF-8' })).to.equal(true);
    expect(preferUnicodeLines({ LANG: 'C' })).to.equal(false);
    expect(preferUnicodeLines({ LANG: 'C.UTF-8', NCURSES_NO_UTF8_ACS: '0' })).to.equal(false);
  });
});
