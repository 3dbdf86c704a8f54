import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { HTTPS_CONTEXT, PLAIN_HTTP_CONTEXT, synthParley } from './support/synth.js';

// cfn-lint is a CI tool (Python). With REQUIRE_CFN_LINT=1 (set by .ci/run) its absence is a failure;
// elsewhere, without it, the lint tests are not registered at all (so CI never counts a skipped test).
const available = spawnSync('cfn-lint', ['--version'], { encoding: 'utf8' }).status === 0;
const required = process.env.REQUIRE_CFN_LINT === '1';

describe('cfn-lint', () => {
  if (required) {
    it('is installed (REQUIRE_CFN_LINT=1)', () => {
      expect(available, 'cfn-lint is not on PATH but REQUIRE_CFN_LINT=1').toBe(true);
    });
  }
  if (!available) {
    process.emitWarning('cfn-lint not on PATH: synthesized templates were not linted');
    return;
  }

  it.each([
    // Alerts, Network, Secrets, Data, App, Waf, Edge, Monitoring and the backup copy region's vault.
    ['HTTPS with a domain and a backup copy region', HTTPS_CONTEXT, 9],
    ['plain-HTTP trial', PLAIN_HTTP_CONTEXT, 8],
  ])('passes on every synthesized template: %s', (_name, context, stacks) => {
    const { outdir } = synthParley(context);
    const templates = readdirSync(outdir)
      .filter((file) => file.endsWith('.template.json'))
      .map((file) => path.join(outdir, file));
    expect(templates).toHaveLength(stacks);
    // W3005 (redundant DependsOn) is how CDK orders custom resources; everything else must be clean.
    const result = spawnSync('cfn-lint', ['--ignore-checks', 'W3005', '--', ...templates], {
      encoding: 'utf8',
    });
    expect(`${result.stdout}${result.stderr}`).toBe('');
    expect(result.status).toBe(0);
  });
});
