/**
 * The quad terminal's pure parts: pane specs and titles, tmux's tiled grid, the session
 * commands (session/window scope only), the quad grid fitted to small panes, the control view.
 */
import { expect } from 'chai';
import { DEFAULT_AGENTS, DEFAULT_QUADS, quadNames } from '../../orchestrator/core/plan/default-agents.js';
import { CONTROL_PANE, labelCommands, paneSpecs, parseSize, quadTitle, tiledPaneSize, tiledShape, tmuxLiteral } from '../../panes/tmux/layout.js';
import { buildSteps } from '../../panes/tmux/launch.js';
import { WORKER_JS } from '../../orchestrator/supervisors/worker-process.js';
import { cellLines, gridShape, renderGrid, shortName, type AgentCell } from '../../panes/quad/quad-grid.js';
import { parsePaneLine, PANE_FORMAT, Tmux } from '../../panes/tmux/tmux.js';
import { parseStat } from '../../workers/os/process-tree.js';
import { agentLines, statusLines, summaryLines } from '../../panes/control/control-view.js';
import type { State } from '../../state/schema.js';
import type { Plan } from '../../orchestrator/core/plan/plan-types.js';

const ctx = { node: '/usr/bin/node', cliJs: '/pkg/dist/bin/cli.js', runDir: '/runs/r1', session: 'orchestrator' };
const width = (s: string) => [...s].length;

describe('quad terminal layout (pure)', () => {
  it('has a pane per quad with the documented titles, then Control', () => {
    const specs = paneSpecs(DEFAULT_QUADS, ctx);
    expect(specs.map((s) => s.title)).to.deep.equal(['Quad 1 · Core Build', 'Quad 2 · Services', 'Quad 3 · Deploy & QA', 'Control']);
    expect(specs[0]!.argv).to.deep.equal(['/usr/bin/node', '--max-semi-space-size=2', WORKER_JS, 'worker', '--quad', '1', '--run-dir', '/runs/r1']);
    expect(WORKER_JS).to.match(/dist\/bin\/worker-cli\.js$/);
    expect(specs[3]!.role).to.equal(CONTROL_PANE);
    expect(specs[3]!.argv.slice(2)).to.deep.equal(['control', '--run-dir', '/runs/r1', '--session', 'orchestrator']);
    expect(paneSpecs(DEFAULT_QUADS, { ...ctx, socket: 'priv' })[3]!.argv.slice(-2)).to.deep.equal(['--socket', 'priv']);
    expect(paneSpecs(quadNames(DEFAULT_QUADS, 2), ctx).map((s) => s.title)).to.deep.equal(['Quad 1 · Core Build', 'Quad 2 · Services', 'Control']);
    expect(quadTitle({ id: 5, name: 'Quad 5' })).to.equal('Quad 5'); // a generic name is not repeated
    expect(tmuxLiteral('a#b')).to.equal('a##b');
  });

  it('predicts tmux tiled grids: 2×2 for 3 quads + control', () => {
    expect(tiledShape(4)).to.deep.equal({ cols: 2, rows: 2 });
    expect(tiledShape(3)).to.deep.equal({ cols: 2, rows: 2 });
    expect(tiledShape(2)).to.deep.equal({ cols: 1, rows: 2 });
    expect(tiledShape(9)).to.deep.equal({ cols: 3, rows: 3 });
    const p = tiledPaneSize(4, 80, 24);
    expect(p.width).to.be.within(39, 40);
    expect(p.height).to.be.within(10, 12);
  });

  it('parses --size', () => {
    expect(parseSize('200x60')).to.deep.equal({ width: 200, height: 60 });
    expect(parseSize('80x24')).to.deep.equal({ width: 80, height: 24 });
    for (const bad of ['80', 'x24', '10x2', 'axb', '80x24x1']) expect(parseSize(bad), bad).to.equal(undefined);
  });

  it('builds the session with session- and window-scoped options only, every command aimed at its target', () => {
    const t = new Tmux({ socket: 'priv', session: 'orchestrator' });
    const steps = buildSteps(t, paneSpecs(DEFAULT_QUADS, ctx), { runDir: '/runs/r1', logFile: '/runs/r1/logs/orchestrator.log', width: 80, height: 24 });
    const cmds = [...steps.flatMap((s) => s.commands), ...steps.flatMap((s) => (s.pane ? labelCommands('%7', s.pane) : []))];
    expect(cmds[0]!.slice(0, 10)).to.deep.equal(['new-session', '-d', '-s', 'orchestrator', '-n', 'quads', '-x', '80', '-y', '24']);
    expect(cmds[1]).to.deep.equal(['set-option', '-w', '-t', '=orchestrator:quads', 'remain-on-exit', 'on']);
    for (const c of cmds) {
      expect(c, c.join(' ')).to.not.include('-g');
      expect(['bind-key', 'send-keys', 'set-environment', 'source-file']).to.not.include(c[0]);
      // Inside tmux, a command without -t acts on the caller's own pane.
      if (c[0] !== 'new-session') expect(c, c.join(' ')).to.include('-t');
    }
    expect(steps.filter((s) => s.pane).map((s) => s.pane!.role)).to.deep.equal(['quad-1', 'quad-2', 'quad-3', 'control']);
    expect(cmds.filter((c) => c[0] === 'split-window')).to.have.length(3);
    expect(cmds.some((c) => c[0] === 'new-window' && c.includes('logs') && c.includes('tail'))).to.equal(true);
  });

  it('runs tmux without TMUX_PANE, and without TMUX when a socket is named', () => {
    const env = { TMUX: '/tmp/tmux-0/default,1,0', TMUX_PANE: '%3', HOME: '/h' };
    expect(new Tmux({ socket: 'priv' }).commandEnv(env)).to.deep.equal({ HOME: '/h' });
    expect(new Tmux({}).commandEnv(env)).to.deep.equal({ TMUX: '/tmp/tmux-0/default,1,0', HOME: '/h' });
  });

  it('reads list-panes and /proc/PID/stat lines', () => {
    expect(PANE_FORMAT.split('\t')).to.have.length(10);
    const p = parsePaneLine(['%3', '123', '1', '0', 'quad-2', 'quads', 'Quad 2 · Services', '40', '11', 'node cli.js\tworker'].join('\t'));
    expect(p).to.include({ id: '%3', pid: 123, dead: true, deadStatus: 0, role: 'quad-2', title: 'Quad 2 · Services', width: 40, height: 11 });
    expect(p.startCommand).to.equal('node cli.js\tworker');
    const st = parseStat('42 (odd) name)) S 7 42 42 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 98765 1000 0');
    expect(st).to.include({ pid: 42, ppid: 7, pgid: 42, start: 98765, zombie: false });
  });
});

function cell(name: string, over: Partial<AgentCell> = {}): AgentCell {
  return { name, phase: 'idle', attempt: 0, since: 0, done: 0, failed: 0, lines: [], ...over };
}

describe('quad pane grid (pure)', () => {
  it('keeps agent names recognisable in narrow cells', () => {
    expect(shortName('Voice-Synthesis-Agent', 30)).to.equal('Voice-Synthesis-Agent');
    expect(shortName('Voice-Synthesis-Agent', 17)).to.equal('Voice-Synthesis');
    expect(shortName('Voice-Synthesis-Agent', 10)).to.equal('Voice-Syn…');
    expect(shortName('API-Agent', 8)).to.equal('API');
  });

  it('lays four agents out 2×2 in an 80×24 quad pane and 200×60 alike', () => {
    expect(gridShape(4, 39, 9)).to.deep.equal({ cols: 2, rows: 2 });
    expect(gridShape(4, 99, 27)).to.deep.equal({ cols: 2, rows: 2 });
    expect(gridShape(3, 40, 9)).to.deep.equal({ cols: 2, rows: 2 });
    expect(gridShape(1, 40, 9)).to.deep.equal({ cols: 1, rows: 1 });
  });

  it('renders exactly the pane size with every name, state, task and output', () => {
    const cells = [
      cell('Core-Setup-Agent', { phase: 'running', task: { id: 'T001', title: 'Project Structure' }, since: 0, lines: ['mkdir heygen_clone', 'wrote 12 files'] }),
      cell('Voice-Synthesis-Agent', { phase: 'retrying', attempt: 2, task: { id: 'T004', title: 'Voice Synthesis' } }),
      cell('Lip-Sync-Agent', { done: 2, last: { text: 'T005 ✔', ok: true } }),
      cell('Avatar-Agent', { phase: 'done', done: 3 }),
    ];
    for (const [w, h] of [[39, 10], [40, 12], [99, 28], [20, 6]] as const) {
      const lines = renderGrid(cells, w, h, 'quad 1 · 1 busy', 'footer', 12_000);
      expect(lines, `${w}x${h}`).to.have.length(h);
      for (const l of lines) expect(width(l.map((s) => s.text).join('')), `${w}x${h}`).to.equal(w);
      const text = lines.map((l) => l.map((s) => s.text).join('')).join('\n');
      if (w >= 39) {
        for (const n of ['Core-Setup-Agent', 'Voice-Synthesis', 'Lip-Sync-Agent', 'Avatar-Agent', 'running 12s', 'retry #2', 'T001 Project', 'T004']) expect(text, `${w}x${h}: ${n}`).to.include(n);
      }
      if (h >= 12) expect(text).to.include('wrote 12 files');
      if (h >= 28) expect(text).to.include('mkdir heygen_clone');
    }
    const tiny = cellLines(cells[0]!, 12, 2, 5000);
    expect(tiny).to.have.length(2);
  });
});

describe('control status view (pure)', () => {
  const now = 100_000;
  const plan = { name: 'avatar-platform' } as Plan;
  const state = {
    meta: { status: 'running', startedAt: now - 65_000, paused: false },
    tasks: { T001: { id: 'T001', status: 'done', attempts: 1, durationMs: 1200, agent: 'Core-Setup-Agent' }, T002: { id: 'T002', status: 'running', attempts: 1, agent: 'Voice-Synthesis-Agent' } },
    agents: Object.fromEntries(DEFAULT_AGENTS.map((a) => [a.name, { name: a.name, quad: a.quad, status: a.name.startsWith('Voice') ? 'running' : 'idle', task: a.name.startsWith('Voice') ? 'T002' : undefined, since: now - 3000, done: 0 }])),
    groups: { 1: { quad: 1, status: 'running', restarts: 0, heartbeatAt: now - 400 } },
    alerts: [],
  } as unknown as State;

  it('fits 40×12 and 100×30 panes and shows the busy agents first when short', () => {
    for (const [w, h] of [[40, 12], [100, 30]] as const) {
      const lines = statusLines(state, plan, ['10:00:00.000 ▶ T002 Voice-Synthesis-Agent'], [], w, h, now);
      expect(lines.length).to.be.at.most(h);
      for (const l of lines) expect(width(l)).to.equal(w);
      const text = lines.join('\n');
      expect(text).to.include('1/2 done');
      expect(text).to.match(/Voice-Synthesis/);
    }
    expect(agentLines(state, 40)).to.have.length(12);
    const summary = summaryLines({ ...state, meta: { ...state.meta, status: 'finished' } } as State, ['all tasks done.'], 40, 12, now);
    expect(summary.join('\n')).to.include('T001 done');
  });
});
