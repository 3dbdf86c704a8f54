import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { INFRA_ROOT, resourcesOf, type Statement, type Synthesized, synthParley } from './support/synth.js';

const DATA_RESOURCE = /Attachments|Secret|Keyring|DataKey|Mysql|SmtpSecret|CacheAuthToken|OriginVerify/;

let synth: Synthesized;
beforeAll(() => {
  synth = synthParley();
});

describe('IAM', () => {
  it('uses roles only: no IAM users, groups or access keys anywhere', () => {
    for (const template of Object.values(synth.templates)) {
      for (const type of ['AWS::IAM::User', 'AWS::IAM::Group', 'AWS::IAM::AccessKey']) {
        expect(resourcesOf(template, type)).toEqual([]);
      }
    }
  });

  it('grants no wildcard action on a data resource (secrets, keys, database, attachments)', () => {
    const offending: string[] = [];
    for (const template of Object.values(synth.templates)) {
      for (const [id, policy] of resourcesOf(template, 'AWS::IAM::Policy')) {
        for (const statement of (policy.PolicyDocument as { Statement: Statement[] }).Statement) {
          const actions = Array.isArray(statement.Action) ? statement.Action : [statement.Action];
          if (statement.Effect !== 'Allow' || !DATA_RESOURCE.test(JSON.stringify(statement.Resource)))
            continue;
          for (const action of actions) if (action.includes('*')) offending.push(`${id}: ${action}`);
        }
      }
    }
    expect(offending).toEqual([]);
  });

  it('ships a CI deploy policy that only assumes the CDK bootstrap roles (no wildcard actions)', () => {
    const policy = JSON.parse(readFileSync(path.join(INFRA_ROOT, 'ci/deploy-policy.json'), 'utf8')) as {
      Statement: Statement[];
    };
    const actions = policy.Statement.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
    expect(actions.sort()).toEqual(['ssm:GetParameter', 'sts:AssumeRole']);
    const roles = policy.Statement.find((s) => s.Action === 'sts:AssumeRole')?.Resource as string[];
    for (const arn of roles)
      expect(arn).toMatch(/^arn:aws:iam::\$\{AccountId\}:role\/cdk-hnb659fds-[a-z-]+-role-/);
    const trust = JSON.parse(readFileSync(path.join(INFRA_ROOT, 'ci/deploy-trust-policy.json'), 'utf8'));
    expect(trust.Statement[0].Action).toBe('sts:AssumeRoleWithWebIdentity');
    expect(trust.Statement[0].Condition.StringEquals['token.actions.githubusercontent.com:sub']).toMatch(
      /:ref:refs\/heads\/main$/,
    );
  });
});
