import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { resourcesOf, type Synthesized, synthParley } from './support/synth.js';

let synth: Synthesized;
beforeAll(() => {
  synth = synthParley();
});

const PURPOSES = ['active_session', 'verify_email_session', 'password_reset_session'];

describe('application secrets', () => {
  it('holds SMTP credentials as an operator-set placeholder', () => {
    synth.templates.secrets.hasResourceProperties('AWS::SecretsManager::Secret', {
      Name: 'parley/smtp',
      GenerateSecretString: Match.objectLike({
        GenerateStringKey: 'password',
        SecretStringTemplate: '{"username":"SET-ME"}',
      }),
      KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SecretsKey'), 'Arn'] },
    });
  });

  it('has one keyring per token purpose, starting empty, with the documented JSON shape', () => {
    for (const purpose of PURPOSES) {
      synth.templates.secrets.hasResourceProperties('AWS::SecretsManager::Secret', {
        Name: `parley/keyring/${purpose}`,
        SecretString: '{"keys":[]}',
        KmsKeyId: Match.anyValue(),
      });
    }
  });

  it('rotates each keyring every 30 days with the keyring Lambda, never immediately on update', () => {
    const schedules = resourcesOf(synth.templates.secrets, 'AWS::SecretsManager::RotationSchedule');
    expect(schedules).toHaveLength(3);
    for (const [, schedule] of schedules) {
      expect(schedule).toMatchObject({
        RotationRules: { ScheduleExpression: 'rate(30 days)' },
        RotateImmediatelyOnUpdate: false,
        RotationLambdaARN: { 'Fn::GetAtt': [expect.stringMatching(/^KeyringRotationFnFunction/), 'Arn'] },
      });
    }
  });

  it('runs the rotation Lambda in the isolated subnets with its own security group', () => {
    synth.templates.secrets.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('keyring rotation'),
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Environment: { Variables: { ROTATION_INTERVAL_DAYS: '30', MAX_TOKEN_LIFETIME_HOURS: '24' } },
      VpcConfig: {
        SubnetIds: Match.arrayWith([
          {
            'Fn::GetStackOutput': Match.objectLike({
              OutputName: Match.stringLikeRegexp('VpcisolatedSubnet1'),
            }),
          },
        ]),
        SecurityGroupIds: [
          {
            'Fn::GetStackOutput': Match.objectLike({ OutputName: Match.stringLikeRegexp('KeyringRotation') }),
          },
        ],
      },
    });
  });

  it('mints the first key of each keyring once, at creation only', () => {
    const initial = resourcesOf(synth.templates.secrets, 'Custom::AWS');
    expect(initial).toHaveLength(3);
    for (const [, resource] of initial) {
      expect(resource.Create).toBeDefined();
      expect(JSON.stringify(resource.Create)).toContain('"action\\":\\"rotateSecret\\"');
      expect(resource.Update).toBeUndefined();
      expect(resource.Delete).toBeUndefined();
    }
  });

  it('keeps the CloudFront origin header value in its own secret', () => {
    synth.templates.secrets.hasResourceProperties('AWS::SecretsManager::Secret', {
      Name: 'parley/edge/origin-verify',
      GenerateSecretString: Match.objectLike({ PasswordLength: 48, ExcludePunctuation: true }),
    });
  });
});
