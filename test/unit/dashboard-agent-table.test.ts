/**
 * The agents table at the sizes people use: the control pane of an 80x24 quad session (40
 * columns), a whole 80-column terminal and 200 columns. Whatever the width, the task each busy
 * agent runs is visible with its id; what gives way first at narrow widths is the restart count,
 * then a long name's tail, the elapsed time and the width of the state word. Before, the
 * columns did not fit 40 columns: the TASK header was cut to "TA…" and no task id was shown.
 */
import { expect } from 'chai';
import { planLayout, tableInner } from '../../panes/dashboard/model/layout.js';
import type { AgentRow, DashboardModel } from '../../panes/dashboard/model/view-model.js';
import { agentColumns, agentHeader, agentRowText, statusLine, TASK_MIN } from '../../panes/dashboard/view/view-text.js';

const NAMES = ['Core-Setup-Agent', 'Voice-Synthesis-Agent', 'Lip-Sync-Agent', 'Avatar-Agent', 'Video-Agent', 'API-Agent', 'Models-Agent', 'Config-Agent', 'Docker-Agent', 'Testing-Agent', 'Docs-Agent', 'Monitor-Agent'];
const BUSY: Record<string, [string, string, number]> = {
  'Voice-Synthesis-Agent': ['T004', 'Voice synthesis engine', 2],
  'Avatar-Agent': ['T006', 'Avatar trainer', 1],
  'Video-Agent': ['T011', 'Video compositor', 1],
  'Models-Agent': ['T013', 'Model registry', 1],
};
const rows: AgentRow[] = NAMES.map((name, i) => {
  const busy = BUSY[name];
  const base = { name, quad: Math.floor(i / 4) + 1, restarts: 0, done: 1, elapsedMs: 8_200 };
  return busy ? { ...base, state: busy[2] > 1 ? 'retrying' : 'running', task: busy[0], title: busy[1], attempt: busy[2] } : { ...base, state: 'idle', focusTask: 'T001', focusStatus: 'done', focusTitle: 'Core setup' };
});
const longest = Math.max(...NAMES.map((n) => n.length));

/** The table as the control pane draws it (header, then one line per agent). */
function render(paneWidth: number, paneHeight: number): { inner: number; lines: string[] } {
  const table = planLayout({ width: paneWidth, height: paneHeight, agents: rows.length, gpu: false }).panels.find((p) => p.name === 'table')!;
  const inner = tableInner(table);
  const cols = agentColumns(inner, longest);
  return { inner, lines: [agentHeader(cols), ...rows.map((r, i) => agentRowText(r, cols, i === 0 || rows[i - 1]!.quad !== r.quad))] };
}

describe('the agents table fits the control pane (pure)', () => {
  for (const [w, h] of [[40, 12], [80, 24], [200, 60]] as const) {
    it(`${w}x${h}: every line fits, the TASK header is whole, each busy agent shows its task id`, () => {
      const { inner, lines } = render(w, h);
      for (const l of lines) expect([...l].length, l).to.be.at.most(inner);
      expect(lines[0]).to.match(/\bTASK\b/);
      for (const [name, [id]] of Object.entries(BUSY)) {
        const line = lines.find((l) => l.includes(name.slice(0, 6)))!;
        expect(line, `${name} at ${w} columns`).to.include(id);
      }
    });
  }

  it('at 40 columns the task column keeps its room; the restarts, elapsed time and long names give way', () => {
    const { inner, lines } = render(40, 12);
    const cols = agentColumns(inner, longest);
    expect(cols.map((c) => c.key)).to.deep.equal(['quad', 'agent', 'state', 'task']);
    expect(cols.find((c) => c.key === 'task')!.width).to.be.at.least(TASK_MIN);
    expect(lines[2]).to.match(/^  Voice-Synth… retrying T004#2 Voi/);
  });

  it('at 80 and 200 columns nothing gives way: full names, elapsed, restarts (and at 200, done)', () => {
    const at80 = agentColumns(tableInner({ colSpan: 80 }), longest);
    expect(at80.map((c) => c.key)).to.deep.equal(['quad', 'agent', 'state', 'task', 'elapsed', 'restarts']);
    expect(at80.find((c) => c.key === 'agent')!.width).to.equal(21);
    const { lines } = render(200, 60);
    expect(lines[0]).to.match(/^Q AGENT +STATE +TASK +ELAPSED RST DONE$/);
    expect(lines[2]).to.match(/^ {2}Voice-Synthesis-Agent retrying +T004#2 Voice synthesis engine +8\.20s +0 +1$/);
  });
});

describe('the status line fits the control pane (pure)', () => {
  const m = {
    status: { planName: 'avatar-platform', runStatus: 'running', paused: false, elapsedMs: 42_000, makespanMs: 40_600, lowerBoundMs: 35_300, etaMs: 5_000, criticalPath: [] },
    progress: { done: 17, total: 20, percent: 85, counts: { pending: 0, ready: 0, running: 3, done: 17, failed: 0, blocked: 0 } },
  } as unknown as DashboardModel;

  it('at 39 columns it keeps the ETA (the makespan gives way); wider, the makespan is back', () => {
    // Before, the 40-column pane read "17/20 done 42.0s makespan 40.6s (≥35.…": the ETA was cut off.
    expect(statusLine(m, 39)).to.equal('17/20 done 42.0s ETA ~5.00s');
    expect(statusLine(m, 200)).to.match(/makespan 40\.6s vs lower bound 35\.3s │ ETA ~5\.00s$/);
  });
});
