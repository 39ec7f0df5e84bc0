import { expect } from 'chai';
import { schedule, type ReadyTask } from '../../orchestrator/core/run/scheduler.js';

const t = (id: string, priority: number, index: number, role?: string): ReadyTask => ({ id, priority, index, role });
const a = (name: string, ...roles: string[]) => ({ name, roles });

describe('scheduler (pure)', () => {
  it('gives the highest priority first, then plan order', () => {
    const out = schedule([t('low', 1, 0), t('high', 5, 2), t('mid', 3, 1), t('mid2', 3, 3)], [a('A'), a('B'), a('C')]);
    expect(out.map((x) => x.task)).to.deep.equal(['high', 'mid', 'mid2']);
  });

  it('prefers an idle agent with the task role', () => {
    const out = schedule([t('api', 2, 0, 'api'), t('docs', 2, 1, 'docs')], [a('Docs', 'docs'), a('Api', 'api')]);
    expect(out).to.deep.include.members([{ task: 'api', agent: 'Api' }, { task: 'docs', agent: 'Docs' }]);
  });

  it('among equal priorities, a task with an idle agent of its role goes first', () => {
    const out = schedule([t('x', 2, 0, 'video'), t('y', 2, 1, 'docs')], [a('Docs', 'docs')]);
    expect(out).to.deep.equal([{ task: 'y', agent: 'Docs' }]);
  });

  it('does not let role preference beat priority', () => {
    const out = schedule([t('urgent', 9, 1, 'video'), t('docs', 1, 0, 'docs')], [a('Docs', 'docs')]);
    expect(out).to.deep.equal([{ task: 'urgent', agent: 'Docs' }]);
  });

  it('is work-conserving and keeps role agents for their tasks', () => {
    const out = schedule([t('plain', 5, 0), t('docs', 1, 1, 'docs')], [a('Docs', 'docs'), a('Other')]);
    expect(out).to.deep.include.members([{ task: 'plain', agent: 'Other' }, { task: 'docs', agent: 'Docs' }]);
  });

  it('assigns no more tasks than idle agents and nothing without agents', () => {
    expect(schedule([t('a', 1, 0), t('b', 1, 1)], [a('A')])).to.have.length(1);
    expect(schedule([t('a', 1, 0)], [])).to.deep.equal([]);
    expect(schedule([], [a('A')])).to.deep.equal([]);
  });
});
