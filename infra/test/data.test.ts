import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
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

  it('keeps the app user in its own secret, rotated with the multi-user scheme', () => {
    synth.templates.data.hasResourceProperties('AWS::SecretsManager::Secret', {
      Name: 'parley/db/app',
      GenerateSecretString: Match.objectLike({
        SecretStringTemplate: {
          'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('"username":"parley_app".*"masterarn"')])],
        },
      }),
    });
    const apps = resourcesOf(synth.templates.data, 'AWS::Serverless::Application');
    const mappings = synth.templates.data.toJSON().Mappings as Record<
      string,
      Record<string, Record<string, string>>
    >;
    const kinds = apps.map(([, p]) => {
      const location = p.Location as { ApplicationId: { 'Fn::FindInMap': string[] } };
      const mapping = location.ApplicationId['Fn::FindInMap'][0] ?? '';
      return mappings[mapping]?.aws?.applicationId?.split('/').pop();
    });
    expect(kinds.sort()).toEqual([
      'SecretsManagerRDSMySQLRotationMultiUser',
      'SecretsManagerRDSMySQLRotationSingleUser',
    ]);
    for (const [, p] of apps) {
      expect(JSON.stringify(p.Parameters)).toMatch(/SecurityGroupsDbRotation/);
      expect(JSON.stringify(p.Parameters)).toMatch(/VpcisolatedSubnet1/);
    }
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
    // The app-user rotation clones the user's grants, so it must wait for the bootstrap.
    const appRotation = synth.templates.data.findResources('AWS::Serverless::Application', {
      DependsOn: Match.arrayWith([Match.stringLikeRegexp('^Bootstrap')]),
    });
    expect(Object.keys(appRotation)).toHaveLength(1);
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
