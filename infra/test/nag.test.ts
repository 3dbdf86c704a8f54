import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Acknowledgement, collectAcknowledgements } from './support/acknowledgements.js';
import { HTTPS_CONTEXT, INFRA_ROOT, type Synthesized, synthParley } from './support/synth.js';

const FINDING = Match.stringLikeRegexp('(AwsSolutions|NIST\\.800\\.53\\.R5)-');

describe.each([
  ['default (HTTP-only) configuration', {}],
  ['HTTPS configuration with a domain', HTTPS_CONTEXT],
])('cdk-nag on the %s', (_name, context) => {
  let synth: Synthesized;
  beforeAll(() => {
    synth = synthParley(context);
  });

  it('has zero unacknowledged AwsSolutions and NIST 800-53 R5 errors or warnings in every stack', () => {
    for (const stack of Object.values(synth.stacks)) {
      const annotations = Annotations.fromStack(stack);
      const findings = [...annotations.findError('*', FINDING), ...annotations.findWarning('*', FINDING)].map(
        (message) => `${message.id}: ${String(message.entry.data).slice(0, 120)}`,
      );
      expect(findings, stack.stackName).toEqual([]);
    }
  });

  it('gives every acknowledgement a real reason', () => {
    for (const entry of collectAcknowledgements(synth.stacks)) {
      expect(entry.reason.length, `${entry.path} ${entry.id}`).toBeGreaterThanOrEqual(40);
    }
  });
});

describe('acknowledgement list', () => {
  it('equals the committed, reviewed nag-acknowledgements.json (union of both configurations)', () => {
    const union = new Map<string, Acknowledgement>();
    for (const context of [{}, HTTPS_CONTEXT]) {
      for (const entry of collectAcknowledgements(synthParley(context).stacks)) {
        union.set(`${entry.path}|${entry.id}|${entry.appliesTo.join(',')}`, entry);
      }
    }
    const actual = [...union.values()].sort((a, b) => `${a.path}|${a.id}`.localeCompare(`${b.path}|${b.id}`));
    const reviewed = JSON.parse(readFileSync(path.join(INFRA_ROOT, 'nag-acknowledgements.json'), 'utf8'));
    expect(actual).toEqual(reviewed);
  });
});
