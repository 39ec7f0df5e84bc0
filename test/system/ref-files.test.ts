/**
 * Reading branch tips from a real repository's files (workers/git/ref-files.ts): loose refs,
 * packed refs, absent refs, and everything it must leave to git (a symbolic ref, a reftable
 * repository, content it does not understand).
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readRefFile } from '../../workers/git/ref-files.js';
import { removeDir, tempDir } from '../helpers/cli.js';

describe('ref files (real git repository)', () => {
  let dir: string;
  let gitDir: string;
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=T', '-c', 'user.email=t@example.com', '-C', dir, ...args], {
      encoding: 'utf8',
      env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' },
    }).trim();

  beforeEach(() => {
    dir = tempDir('orch-refs-');
    git('init', '-q');
    git('commit', '-q', '--allow-empty', '-m', 'one');
    gitDir = join(dir, '.git');
  });
  afterEach(() => removeDir(dir));

  it('reads a loose ref, then the same ref once packed; an absent ref is absent', () => {
    git('branch', 'work/x');
    const tip = git('rev-parse', 'work/x');
    expect(readRefFile(gitDir, 'refs/heads/work/x')).to.deep.equal({ kind: 'found', commit: tip });
    git('pack-refs', '--all');
    expect(readRefFile(gitDir, 'refs/heads/work/x')).to.deep.equal({ kind: 'found', commit: tip });
    git('commit', '-q', '--allow-empty', '-m', 'two');
    git('branch', '-f', 'work/x');
    // A loose ref written after packing wins over the packed line, as in git.
    expect(readRefFile(gitDir, 'refs/heads/work/x')).to.deep.equal({ kind: 'found', commit: git('rev-parse', 'HEAD') });
    expect(readRefFile(gitDir, 'refs/heads/none')).to.deep.equal({ kind: 'absent' });
    git('update-ref', '-d', 'refs/heads/work/x');
    expect(readRefFile(gitDir, 'refs/heads/work/x')).to.deep.equal({ kind: 'absent' });
  });

  it('leaves to git what it does not read: a symbolic ref, odd content, a reftable repository, a name outside refs/', () => {
    git('symbolic-ref', 'refs/heads/alias', 'refs/heads/main');
    expect(readRefFile(gitDir, 'refs/heads/alias')).to.deep.equal({ kind: 'unknown' });
    writeFileSync(join(gitDir, 'refs', 'heads', 'odd'), 'not an object name\n');
    expect(readRefFile(gitDir, 'refs/heads/odd')).to.deep.equal({ kind: 'unknown' });
    mkdirSync(join(gitDir, 'refs', 'heads', 'folder', 'inside'), { recursive: true });
    expect(readRefFile(gitDir, 'refs/heads/folder')).to.deep.equal({ kind: 'unknown' });
    expect(readRefFile(gitDir, 'HEAD')).to.deep.equal({ kind: 'unknown' });
    expect(readRefFile(gitDir, 'refs/../HEAD')).to.deep.equal({ kind: 'unknown' });
    mkdirSync(join(gitDir, 'reftable'));
    expect(readRefFile(gitDir, 'refs/heads/main')).to.deep.equal({ kind: 'unknown' });
  });
});
