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

  it('generates the MFA key material (64 characters) under the secrets key, for the app alone', () => {
    synth.templates.secrets.hasResourceProperties('AWS::SecretsManager::Secret', {
      Name: 'parley/mfa/encryption',
      GenerateSecretString: { PasswordLength: 64, ExcludePunctuation: true },
      KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SecretsKey'), 'Arn'] },
    });
    // Retained like every secret: what it sealed must outlive a stack deletion.
    const secrets = Object.values(synth.templates.secrets.findResources('AWS::SecretsManager::Secret')) as {
      DeletionPolicy?: string;
      Properties?: { Name?: string };
    }[];
    expect(
      secrets.find((secret) => secret.Properties?.Name === 'parley/mfa/encryption')?.DeletionPolicy,
    ).toBe('Retain');
    // No scheduled rotation would keep old values readable for long enough: none is attached.
    const schedules = resourcesOf(synth.templates.secrets, 'AWS::SecretsManager::RotationSchedule');
    expect(JSON.stringify(schedules)).not.toMatch(/MfaEncryption/);
    // The instances are told its id and may read it; nothing else in the app stack names it.
    const app = JSON.stringify(synth.templates.app.toJSON());
    expect(app).toMatch(/SECRET_ID_MFA_ENCRYPTION=/);
    const policy = JSON.stringify(
      resourcesOf(synth.templates.app, 'AWS::IAM::Policy').find(([id]) =>
        id.startsWith('FleetRoleDefaultPolicy'),
      ),
    );
    expect(policy).toMatch(/MfaEncryption/);
  });

  it('keeps the CloudFront origin header value in its own secret', () => {
    synth.templates.secrets.hasResourceProperties('AWS::SecretsManager::Secret', {
      Name: 'parley/edge/origin-verify',
      GenerateSecretString: Match.objectLike({ PasswordLength: 48, ExcludePunctuation: true }),
    });
  });
});
