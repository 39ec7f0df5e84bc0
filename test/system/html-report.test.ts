/**
 * `orchestrator report`: one self-contained HTML page, loaded by a real headless Chromium
 * (Debian package `chromium`; .ci/run installs it), which must find every task of the plan,
 * the failed attempts, the makespan against the lower bound, and nothing fetched from elsewhere.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { cli, removeDir, tempDir, writePlan } from '../helpers/cli.js';

async function browser(): Promise<string> {
  for (const name of ['chromium', 'chromium-browser', 'google-chrome']) {
    const r = await execa('sh', ['-c', `command -v ${name}`], { reject: false });
    if (r.exitCode === 0) return String(r.stdout).trim();
  }
  throw new Error('headless Chromium is needed for this test: apt-get install -y chromium (.ci/run does it)');
}

describe('HTML report in headless Chromium', function () {
  this.timeout(180_000);
  let dir: string;
  beforeEach(() => (dir = tempDir('report-')));
  afterEach(() => removeDir(dir));

  it('writes logs/report.html that a browser renders with every task, attempt and the makespan', async () => {
    const tasks = [
      { id: 'build', run: "echo 'building <stuff> & more'" },
      { id: 'test', run: 'echo testing; exit 5', needs: ['build'], retries: 1 },
      { id: 'docs', run: 'echo docs', needs: ['build'] },
      { id: 'ship', run: 'true', needs: ['test', 'docs'] },
    ];
    const plan = writePlan(dir, tasks);
    expect((await cli(['run', plan, '--run-dir', dir])).exitCode).to.equal(1);
    const r = await cli(['report', '--run-dir', dir]);
    expect(r.exitCode, r.stderr).to.equal(0);
    const file = join(dir, 'logs', 'report.html');
    expect(r.stdout.trim()).to.equal(`report: ${file}`);
    const html = readFileSync(file, 'utf8');
    expect(html).to.not.match(/<script|<link|src=|https?:\/\/(?!www\.w3)/); // self-contained

    const dom = await execa(await browser(), ['--headless', '--no-sandbox', '--disable-gpu', '--dump-dom', `file://${file}`], { reject: false, timeout: 120_000 });
    expect(dom.exitCode, String(dom.stderr)).to.equal(0);
    const out = String(dom.stdout);
    for (const t of tasks) expect(out, t.id).to.include(`<tr id="task-${t.id}" data-task="${t.id}">`);
    expect(out, out.slice(out.indexOf("<h2>Timeline"), out.indexOf("<h2>Tasks"))).to.match(/class="bar failed[^"]*" data-task="test"/);
    expect(out).to.match(/class="bar retried[^"]*" data-task="test"/);
    expect(out).to.include('exit 5').and.include('building &lt;stuff&gt; &amp; more');
    expect(out).to.match(/makespan [\d.]+m?s \(lower bound [\d.]+m?s/);
    expect(out).to.include('task-failed');
  });
});
