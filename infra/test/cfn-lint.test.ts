import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { HTTPS_CONTEXT, synthParley } from './support/synth.js';

// cfn-lint is a CI tool (Python); locally the test is skipped when it is missing, unless
// REQUIRE_CFN_LINT=1 (set by .ci/run) turns its absence into a failure.
const available = spawnSync('cfn-lint', ['--version'], { encoding: 'utf8' }).status === 0;
const required = process.env.REQUIRE_CFN_LINT === '1';

describe('cfn-lint', () => {
  it.runIf(required && !available)('is installed when REQUIRE_CFN_LINT=1', () => {
    expect.fail('cfn-lint is not on PATH but REQUIRE_CFN_LINT=1');
  });

  it.runIf(available).each([
    ['default (HTTP-only)', {}],
    ['HTTPS with a domain', HTTPS_CONTEXT],
  ])('passes on every synthesized template: %s', (_name, context) => {
    const { outdir } = synthParley(context);
    const templates = readdirSync(outdir)
      .filter((file) => file.endsWith('.template.json'))
      .map((file) => path.join(outdir, file));
    expect(templates).toHaveLength(6);
    // W3005 (redundant DependsOn) is how CDK orders custom resources; everything else must be clean.
    const result = spawnSync('cfn-lint', ['--ignore-checks', 'W3005', '--', ...templates], {
      encoding: 'utf8',
    });
    expect(`${result.stdout}${result.stderr}`).toBe('');
    expect(result.status).toBe(0);
  });
});
