/**
 * The fast plan reader (JSON.parse / js-yaml) must give exactly what the full `yaml` reader
 * gives, and hand anything unusual to the full reader.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { parsePlan, parseYaml } from '../../orchestrator/run-dir/load-plan.js';
import { DEFAULT_PLAN } from '../../orchestrator/run-dir/paths.js';
import { PlanError } from '../../orchestrator/core/errors.js';

describe('plan reader fast path', () => {
  it('reads the bundled plan exactly as the full YAML reader does', () => {
    const text = readFileSync(DEFAULT_PLAN, 'utf8');
    expect(parsePlan(text, DEFAULT_PLAN)).to.deep.equal(parseYaml(text, DEFAULT_PLAN));
  });

  it('agrees on scalars YAML 1.2 resolves (numbers, booleans, quoted and block strings)', () => {
    const text = [
      'version: 1', 'name: scalars', 'defaults: { timeout: 90, retries: 2 }', 'tasks:',
      '  - id: a', '    run: "echo \\"hi\\" && true"', '    env: { N: 0x1F, B: true, S: "007", F: 1.5 }', '    pty: false',
      '  - id: b', '    needs: [a]', '    run: |', '      set -eu', '      echo *.txt', '    timeout: 500ms',
    ].join('\n');
    expect(parsePlan(text, 'p.yaml')).to.deep.equal(parseYaml(text, 'p.yaml'));
  });

  it('leaves aliases to the full reader (same result), and refuses an alias bomb with its message', () => {
    const ok = 'version: 1\nname: alias\ndefaults: &d { timeout: 5s }\ntasks:\n  - { id: a, run: "true", env: &e { K: v } }\n  - { id: b, run: "true", env: *e }\n';
    expect(parsePlan(ok, 'p.yaml')).to.deep.equal(parseYaml(ok, 'p.yaml'));
    const levels = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 9; i++) levels.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`);
    const bomb = `version: 1\nname: bomb\n${levels.join('\n')}\ntasks:\n  - { id: a, run: "true" }\n`;
    expect(() => parsePlan(bomb, 'bomb.yaml')).to.throw(PlanError, /expand/);
  });

  it('a plan with a problem gets the full reader’s located message', () => {
    const text = stringify({ version: 1, name: 'bad', tasks: [{ id: 'a', run: 'true', timout: '1s' }] });
    expect(() => parsePlan(text, 'bad.yaml')).to.throw(PlanError, /bad\.yaml:\d+:\d+: task a, field 'timout'.*did you mean 'timeout'/);
  });
});
