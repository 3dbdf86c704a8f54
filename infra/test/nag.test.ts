import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Acknowledgement, collectAcknowledgements, encodedReasons } from './support/acknowledgements.js';
import {
  HTTPS_CONTEXT,
  INFRA_ROOT,
  PLAIN_HTTP_CONTEXT,
  type Synthesized,
  synthParley,
} from './support/synth.js';

const FINDING = Match.stringLikeRegexp('(AwsSolutions|NIST\\.800\\.53\\.R5)-');

/** Acknowledgements reviewed before issue 14 (alarms, backups, DLQs): the count may only go down. */
const ACKNOWLEDGEMENTS_BEFORE_ISSUE_14 = 60;

describe.each([
  ['HTTPS configuration with a domain', HTTPS_CONTEXT],
  ['plain-HTTP trial configuration (explicit opt-in)', PLAIN_HTTP_CONTEXT],
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

  it('gives every acknowledgement a real reason, in plain ASCII (nothing stored base64)', () => {
    expect(encodedReasons(synth.stacks)).toEqual([]);
    for (const entry of collectAcknowledgements(synth.stacks)) {
      expect(entry.reason.length, `${entry.path} ${entry.id}`).toBeGreaterThanOrEqual(40);
      expect(entry.reason, `${entry.path} ${entry.id}`).toMatch(/^[\x20-\x7e]+$/);
    }
  });

  it('resolves the findings the review called weak with real resources, not acknowledgements', () => {
    const ids = collectAcknowledgements(synth.stacks).map((entry) => entry.id);
    for (const resolved of [
      'AwsSolutions-AS3',
      'NIST.800.53.R5-RDSInBackupPlan',
      'NIST.800.53.R5-LambdaDLQ',
    ]) {
      expect(ids).not.toContain(resolved);
    }
  });
});

describe('acknowledgement list', () => {
  it('equals the committed, reviewed nag-acknowledgements.json (union of both configurations)', () => {
    const union = new Map<string, Acknowledgement>();
    for (const context of [HTTPS_CONTEXT, PLAIN_HTTP_CONTEXT]) {
      for (const entry of collectAcknowledgements(synthParley(context).stacks)) {
        union.set(`${entry.path}|${entry.id}|${entry.appliesTo.join(',')}`, entry);
      }
    }
    const actual = [...union.values()].sort((a, b) => `${a.path}|${a.id}`.localeCompare(`${b.path}|${b.id}`));
    const reviewed = JSON.parse(readFileSync(path.join(INFRA_ROOT, 'nag-acknowledgements.json'), 'utf8'));
    expect(actual).toEqual(reviewed);
    expect(actual.length).toBeLessThan(ACKNOWLEDGEMENTS_BEFORE_ISSUE_14);
  });
});
