/** The dashboard timeline marks worktree mode's merges and conflicts on the attempts that made them. */
import { expect } from 'chai';
import { renderGantt } from '../../panes/dashboard/view/gantt-text.js';
import { buildTimeline } from '../../panes/dashboard/model/timeline.js';
import type { RunEvent } from '../../state/events.js';
import { emptyState } from '../../state/ops.js';

describe('worktree mode on the timeline', () => {
  it('marks the attempt whose work was merged and the one whose merge conflicted', () => {
    const s = emptyState(0);
    s.meta.status = 'finished';
    s.meta.finishedAt = 10_000;
    const ev = (ts: number, type: RunEvent['type'], task: string, agent: string, extra: { commit?: string; reason?: string } = {}): RunEvent =>
      ({ ts, type, task, agent, fence: task === 'T1' ? 1 : 2, ...extra }) as RunEvent;
    const events: RunEvent[] = [
      ev(0, 'claimed', 'T1', 'A'), ev(0, 'claimed', 'T2', 'B'),
      ev(4000, 'merged', 'T1', 'A', { commit: 'c'.repeat(40) }), ev(4000, 'finished', 'T1', 'A'),
      ev(6000, 'conflict', 'T2', 'B', { reason: 'conflict in s.txt with T1' }), ev(6000, 'failed', 'T2', 'B'),
    ];
    const tl = buildTimeline({ events, state: s, agents: ['A', 'B'], critical: new Set(), now: 10_000 });
    expect(tl.rows.map((r) => r.bars.map((b) => [b.task, b.status, b.mark]))).to.deep.equal([[['T1', 'done', 'merged']], [['T2', 'failed', 'conflict']]]);
    const lines = renderGantt(tl, { width: 22, nameWidth: 1 });
    expect(lines[0]).to.equal('A│T1█████⑃            ');
    expect(lines[1]).to.equal('B│T2░░░░░░░░░✕        ');
  });
});
