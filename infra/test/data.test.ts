import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { DB_PASSWORD_EXCLUDE } from '../lib/constructs/mysql-database.construct.js';
import { resourcesOf, type Synthesized, synthParley } from './support/synth.js';

let synth: Synthesized;
beforeAll(() => {
  synth = synthParley();
});

const isolatedSubnetRefs = Match.arrayEquals([
  { 'Fn::GetStackOutput': Match.objectLike({ OutputName: Match.stringLikeRegexp('VpcisolatedSubnet1') }) },
  { 'Fn::GetStackOutput': Match.objectLike({ OutputName: Match.stringLikeRegexp('VpcisolatedSubnet2') }) },
]);

describe('RDS for MySQL', () => {
  it('runs MySQL 9.7 Multi-AZ on a memory-optimized Graviton class, encrypted with the customer key', () => {
    synth.templates.data.hasResourceProperties('AWS::RDS::DBInstance', {
      Engine: 'mysql',
      EngineVersion: '9.7.0',
      DBInstanceClass: Match.stringLikeRegexp('^db\\.r[78]g\\.'),
      MultiAZ: true,
      StorageEncrypted: true,
      KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DataKey'), 'Arn'] },
      DeletionProtection: true,
      EnablePerformanceInsights: true,
      PerformanceInsightsKMSKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DataKey'), 'Arn'] },
      CACertificateIdentifier: 'rds-ca-rsa2048-g1',
      EnableIAMDatabaseAuthentication: true,
      PubliclyAccessible: false,
      Port: '3306',
    });
    const [[, db]] = resourcesOf(synth.templates.data, 'AWS::RDS::DBInstance') as [
      [string, Record<string, unknown>],
    ];
    expect(db.BackupRetentionPeriod).toBeGreaterThanOrEqual(7);
    synth.templates.data.hasResource('AWS::RDS::DBInstance', {
      DeletionPolicy: 'Snapshot',
      Metadata: { 'cfn-lint': { config: { ignore_checks: ['E3691'] } } },
    });
  });

  it('lives in the isolated subnets', () => {
    synth.templates.data.hasResourceProperties('AWS::RDS::DBSubnetGroup', { SubnetIds: isolatedSubnetRefs });
  });

  it('refuses plain TCP through its parameter group (require_secure_transport=1)', () => {
    synth.templates.data.hasResourceProperties('AWS::RDS::DBParameterGroup', {
      Family: 'mysql9.7',
      Parameters: Match.objectLike({ require_secure_transport: '1' }),
    });
  });

  it('generates the master credentials into Secrets Manager and rotates them every 30 days', () => {
    synth.templates.data.hasResourceProperties('AWS::SecretsManager::Secret', {
      Name: 'parley/db/master',
      GenerateSecretString: Match.objectLike({ SecretStringTemplate: '{"username":"parley_admin"}' }),
      KmsKeyId: Match.anyValue(),
    });
    const schedules = resourcesOf(synth.templates.data, 'AWS::SecretsManager::RotationSchedule');
    expect(schedules).toHaveLength(2);
    for (const [, schedule] of schedules) {
      expect(schedule.RotationRules).toEqual({ ScheduleExpression: 'rate(30 days)' });
    }
  });

  it('keeps the app user in its own secret with masterarn (alternating users)', () => {
    synth.templates.data.hasResourceProperties('AWS::SecretsManager::Secret', {
      Name: 'parley/db/app',
      GenerateSecretString: Match.objectLike({
        SecretStringTemplate: {
          'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('"username":"parley_app".*"masterarn"')])],
        },
      }),
    });
  });

  it("rotates both DB secrets with the project's own TLS rotation Lambda, not the hosted SAR application", () => {
    expect(resourcesOf(synth.templates.data, 'AWS::Serverless::Application')).toEqual([]);
    const [[fnId, fn]] = resourcesOf(synth.templates.data, 'AWS::Lambda::Function').filter(([, p]) =>
      String(p.Description).includes('MySQL secret rotation'),
    ) as [[string, Record<string, unknown>]];
    expect(fn).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Environment: { Variables: { EXCLUDE_CHARACTERS: DB_PASSWORD_EXCLUDE } },
      VpcConfig: {
        SubnetIds: expect.arrayContaining([
          {
            'Fn::GetStackOutput': expect.objectContaining({
              OutputName: expect.stringMatching(/VpcisolatedSubnet1/),
            }),
          },
        ]),
        SecurityGroupIds: [
          {
            'Fn::GetStackOutput': expect.objectContaining({
              OutputName: expect.stringMatching(/DbRotation/),
            }),
          },
        ],
      },
    });
    const schedules = resourcesOf(synth.templates.data, 'AWS::SecretsManager::RotationSchedule');
    expect(schedules.map(([, s]) => JSON.stringify(s.SecretId)).sort()).toEqual([
      expect.stringMatching(/AppUserSecretAttachment/),
      expect.stringMatching(/MysqlInstanceSecretAttachment/),
    ]);
    for (const [, schedule] of schedules) {
      expect(schedule).toMatchObject({
        RotationLambdaARN: { 'Fn::GetAtt': [fnId, 'Arn'] },
        RotateImmediatelyOnUpdate: false,
        RotationRules: { ScheduleExpression: 'rate(30 days)' },
      });
    }
    // Secrets Manager may invoke it; it may read the master secret (masterarn) to create the clone user.
    synth.templates.data.hasResourceProperties('AWS::Lambda::Permission', {
      FunctionName: { 'Fn::GetAtt': [fnId, 'Arn'] },
      Principal: 'secretsmanager.amazonaws.com',
    });
    const statements = JSON.stringify(
      resourcesOf(synth.templates.data, 'AWS::IAM::Policy').find(([id]) =>
        id.startsWith('DbRotationFn'),
      )?.[1],
    );
    expect(statements).toMatch(/secretsmanager:GetSecretValue.*MysqlInstanceSecretAttachment/);
  });

  it('bootstraps schema, migrations and the app user at deploy time with a VPC Lambda', () => {
    synth.templates.data.hasResourceProperties('Custom::ParleyDbBootstrap', {
      DatabaseName: 'parley',
      MasterSecretArn: { Ref: Match.stringLikeRegexp('^MysqlInstanceSecretAttachment') },
      AppUserSecretArn: { Ref: Match.stringLikeRegexp('^AppUserSecretAttachment') },
      SchemaFingerprint: Match.stringLikeRegexp('^[0-9a-f]{16}$'),
    });
    synth.templates.data.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('DB bootstrap'),
      VpcConfig: {
        SubnetIds: isolatedSubnetRefs,
        SecurityGroupIds: [
          { 'Fn::GetStackOutput': Match.objectLike({ OutputName: Match.stringLikeRegexp('DbBootstrap') }) },
        ],
      },
    });
    // The app-user rotation manages the app user the bootstrap creates, so it waits for the bootstrap.
    const appRotation = synth.templates.data.findResources('AWS::SecretsManager::RotationSchedule', {
      DependsOn: Match.arrayWith([Match.stringLikeRegexp('^Bootstrap')]),
    });
    expect(Object.keys(appRotation)).toHaveLength(1);
    expect(JSON.stringify(Object.values(appRotation)[0])).toMatch(/AppUserSecretAttachment/);
  });
});

describe('Valkey (fan-out and rate limits)', () => {
  it('runs with TLS, AUTH, encryption at rest and failover across AZs in the isolated subnets', () => {
    synth.templates.data.hasResourceProperties('AWS::ElastiCache::ReplicationGroup', {
      Engine: 'valkey',
      TransitEncryptionEnabled: true,
      TransitEncryptionMode: 'required',
      AtRestEncryptionEnabled: true,
      AuthToken: {
        'Fn::Join': [
          '',
          [
            '{{resolve:secretsmanager:',
            { Ref: Match.stringLikeRegexp('^CacheAuthToken') },
            ':SecretString:::}}',
          ],
        ],
      },
      MultiAZEnabled: true,
      AutomaticFailoverEnabled: true,
      NumCacheClusters: 2,
    });
    synth.templates.data.hasResourceProperties('AWS::ElastiCache::SubnetGroup', {
      SubnetIds: isolatedSubnetRefs,
    });
  });
});
