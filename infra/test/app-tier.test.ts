import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { APP_METRICS_PORT } from '../lib/app-metrics.js';
import {
  fixtureAppBundle,
  HTTPS_CONTEXT,
  PLAIN_HTTP_CONTEXT,
  resourcesOf,
  type Synthesized,
  statementsOf,
  synthParley,
} from './support/synth.js';

let https: Synthesized;
let httpOnly: Synthesized;
beforeAll(() => {
  https = synthParley(HTTPS_CONTEXT);
  httpOnly = synthParley(PLAIN_HTTP_CONTEXT);
});

function userDataOf(synth: Synthesized): string {
  const [[, lt]] = resourcesOf(synth.templates.app, 'AWS::EC2::LaunchTemplate') as [
    [string, Record<string, unknown>],
  ];
  const data = (lt.LaunchTemplateData as { UserData: { 'Fn::Base64': unknown } }).UserData['Fn::Base64'];
  return JSON.stringify(data);
}

describe('application load balancer', () => {
  it('is internet-facing in the public subnets with a WebSocket-friendly idle timeout', () => {
    https.templates.app.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      Scheme: 'internet-facing',
      Subnets: [
        {
          'Fn::GetStackOutput': Match.objectLike({ OutputName: Match.stringLikeRegexp('VpcpublicSubnet1') }),
        },
        {
          'Fn::GetStackOutput': Match.objectLike({ OutputName: Match.stringLikeRegexp('VpcpublicSubnet2') }),
        },
      ],
      LoadBalancerAttributes: Match.arrayWith([
        { Key: 'routing.http.drop_invalid_header_fields.enabled', Value: 'true' },
        { Key: 'access_logs.s3.enabled', Value: 'true' },
      ]),
    });
    const [[, alb]] = resourcesOf(https.templates.app, 'AWS::ElasticLoadBalancingV2::LoadBalancer') as [
      [string, { LoadBalancerAttributes: { Key: string; Value: string }[] }],
    ];
    const idle = alb.LoadBalancerAttributes.find((a) => a.Key === 'idle_timeout.timeout_seconds');
    expect(Number(idle?.Value)).toBeGreaterThanOrEqual(120);
  });

  it('terminates TLS with the context certificate and redirects HTTP to HTTPS', () => {
    const t = https.templates.app;
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 443,
      Protocol: 'HTTPS',
      Certificates: [{ CertificateArn: HTTPS_CONTEXT['parley:albCertificateArn'] }],
      DefaultActions: [
        Match.objectLike({
          Type: 'fixed-response',
          FixedResponseConfig: Match.objectLike({ StatusCode: '403' }),
        }),
      ],
    });
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 80,
      Protocol: 'HTTP',
      DefaultActions: [
        {
          Type: 'redirect',
          RedirectConfig: Match.objectLike({ Protocol: 'HTTPS', Port: '443', StatusCode: 'HTTP_301' }),
        },
      ],
    });
    t.resourceCountIs('AWS::ElasticLoadBalancingV2::Listener', 2);
  });

  it('forwards only requests carrying the secret CloudFront header (listener rule)', () => {
    for (const synth of [https, httpOnly]) {
      synth.templates.app.hasResourceProperties('AWS::ElasticLoadBalancingV2::ListenerRule', {
        Priority: 10,
        Conditions: [
          {
            Field: 'http-header',
            HttpHeaderConfig: {
              HttpHeaderName: 'X-Origin-Verify',
              Values: [{ 'Fn::Join': ['', Match.arrayWith(['{{resolve:secretsmanager:'])] }],
            },
          },
        ],
        Actions: [Match.objectLike({ Type: 'forward' })],
      });
    }
  });

  it('with the explicit plain-HTTP opt-in has a single port-80 listener that still defaults to 403', () => {
    httpOnly.templates.app.resourceCountIs('AWS::ElasticLoadBalancingV2::Listener', 1);
    httpOnly.templates.app.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 80,
      Protocol: 'HTTP',
      DefaultActions: [Match.objectLike({ Type: 'fixed-response' })],
    });
  });

  it('health-checks the targets on the process-only /api/health/live (a database failover fails no target)', () => {
    https.templates.app.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      HealthCheckPath: '/api/health/live',
      Port: 8080,
      Protocol: 'HTTP',
      Matcher: { HttpCode: '200' },
      HealthCheckIntervalSeconds: 15,
      UnhealthyThresholdCount: 3,
    });
    expect(JSON.stringify(https.templates.app.toJSON())).not.toMatch(
      /HealthCheckPath":"\/api\/health\/ready/,
    );
  });
});

describe('EC2 Auto Scaling group', () => {
  it('runs at least two Graviton AL2023 instances in the private subnets behind the target group', () => {
    https.templates.app.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', {
      MinSize: '2',
      HealthCheckType: 'ELB',
      TargetGroupARNs: [{ Ref: Match.stringLikeRegexp('^LoadBalancerTargets') }],
      VPCZoneIdentifier: [
        {
          'Fn::GetStackOutput': Match.objectLike({ OutputName: Match.stringLikeRegexp('VpcprivateSubnet1') }),
        },
        {
          'Fn::GetStackOutput': Match.objectLike({ OutputName: Match.stringLikeRegexp('VpcprivateSubnet2') }),
        },
      ],
    });
    https.templates.app.hasResource('AWS::AutoScaling::AutoScalingGroup', {
      CreationPolicy: { ResourceSignal: Match.objectLike({ Count: 2 }) },
      UpdatePolicy: Match.objectLike({
        AutoScalingRollingUpdate: Match.objectLike({ MinInstancesInService: 2 }),
      }),
    });
    // Health replacement is launch-before-terminate: nothing is terminated before its replacement is
    // healthy, so failing checks can never take the fleet below desired (docs/adr/0012).
    https.templates.app.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', {
      HealthCheckType: 'ELB',
      HealthCheckGracePeriod: 480,
      InstanceMaintenancePolicy: { MinHealthyPercentage: 100, MaxHealthyPercentage: 150 },
      DefaultInstanceWarmup: 300,
    });
    const params = https.templates.app.toJSON().Parameters as Record<string, { Default?: string }>;
    expect(Object.values(params).some((p) => p.Default?.includes('al2023-ami-kernel-6.1-arm64'))).toBe(true);
  });

  it('requires IMDSv2, encrypts EBS and has no SSH key', () => {
    https.templates.app.hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: Match.objectLike({
        InstanceType: Match.stringLikeRegexp('^[a-z]+\\d+g[a-z]*\\.'),
        MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 1 },
        BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: Match.objectLike({ Encrypted: true }) }],
        KeyName: Match.absent(),
      }),
    });
  });

  it('boots from the prebuilt bundle: no npm, no compiler, nothing from the internet', () => {
    const userData = userDataOf(https);
    // OS packages only, from the AMI release's regional repository (S3 gateway endpoint).
    expect(userData).toContain('dnf install -y nodejs24 amazon-cloudwatch-agent aws-cfn-bootstrap unzip');
    expect(userData).not.toMatch(
      /\bnpm(-24)? (ci|install|rebuild)\b|node-gyp|\bnpx\b|(curl|wget)[^\n]*https?:\/\/(?!127\.0\.0\.1)/,
    );
    expect(userData).toMatch(
      /aws s3 cp 's3:\/\/cdk-[a-z0-9]+-assets-111111111111-eu-west-1\/[0-9a-f]{64}\.zip'/,
    );
    // The bundle must have been built for the host and carry its dependencies and the RDS CA bundle.
    expect(userData).toContain("require('/opt/parley/app/parley-bundle.json')");
    expect(userData).toContain("m.platform !== process.platform + '-' + process.arch");
    expect(userData).toContain(
      'install -o root -g root -m 0644 /opt/parley/app/rds-ca.pem /etc/parley/rds-ca.pem',
    );
    // CloudFormation hears success only once the app reaches the database (ready).
    // userData is the JSON text of the template: a newline in the script shows as backslash-n.
    expect(userData).toMatch(
      /curl -fsS -o \/dev\/null http:\/\/127\.0\.0\.1:8080\/api\/health\/ready\\nsignal 0/,
    );
  });

  it('ships the packaged app directory (code, production node_modules, manifest) as the zip asset the boot script fetches', () => {
    const url = userDataOf(https).match(/assets-111111111111-eu-west-1\/([0-9a-f]{64})\.zip/);
    const manifest = JSON.parse(readFileSync(path.join(https.outdir, 'Parley-App.assets.json'), 'utf8')) as {
      files: Record<string, { source: { path: string; packaging: string } }>;
    };
    const asset = manifest.files[url?.[1] ?? ''];
    expect(asset?.source.packaging).toBe('zip');
    const staged = path.join(https.outdir, asset?.source.path ?? 'missing');
    for (const file of [
      'apps/api/dist/main.js',
      'node_modules/fastify/package.json',
      'rds-ca.pem',
      'parley-bundle.json',
    ]) {
      expect(existsSync(path.join(staged, file)), file).toBe(true);
      expect(readFileSync(path.join(staged, file), 'utf8')).toBe(
        readFileSync(path.join(fixtureAppBundle(), file), 'utf8'),
      );
    }
  });

  it('runs the app under a hardened systemd unit configured with secret ids', () => {
    const userData = userDataOf(https);
    for (const directive of [
      'User=parley',
      'NoNewPrivileges=yes',
      'ProtectSystem=strict',
      'CapabilityBoundingSet=',
      'PrivateTmp=yes',
    ]) {
      expect(userData).toContain(directive);
    }
    expect(userData).toContain('ExecStart=/usr/bin/node-24');
    for (const name of [
      'DATABASE_SECRET_ID=',
      'SMTP_SECRET_ID=',
      'SECRET_ID_ACTIVE_SESSION=',
      'SECRET_ID_VERIFY_EMAIL=',
      'SECRET_ID_PASSWORD_RESET=',
      'SECRET_ID_MFA_ENCRYPTION=',
      'REDIS_AUTH_SECRET_ID=',
      // Longer than the ALB's 300 s idle timeout.
      'HTTP_KEEP_ALIVE_TIMEOUT=310s',
    ]) {
      expect(userData).toContain(name);
    }
    // Ids, never values: no dynamic reference to a secret value in the instance configuration.
    expect(userData).not.toContain('{{resolve:secretsmanager');
    expect(userData).toContain('cfn-signal');
    // The metrics listener is loopback only; the CloudWatch agent scrapes it (docs/adr/0013).
    expect(userData).toContain(`METRICS_PORT=${APP_METRICS_PORT}`);
    expect(userData).toContain('METRICS_HOST=127.0.0.1');
  });

  it('has the CloudWatch agent scrape the metrics listener into the Parley namespace', () => {
    const userData = JSON.parse(userDataOf(https)) as { 'Fn::Join': [string, unknown[]] };
    const text = userData['Fn::Join'][1].filter((part) => typeof part === 'string').join('');
    const agent = text.match(/parley\.json <<'CW_AGENT'\n(.*)\nCW_AGENT/)?.[1] ?? '';
    const scrape = JSON.parse(
      text.match(/parley-prometheus\.yaml <<'CW_AGENT'\n(.*)\nCW_AGENT/)?.[1] ?? '{}',
    );
    expect(scrape.scrape_configs[0].static_configs[0]).toEqual({
      targets: [`127.0.0.1:${APP_METRICS_PORT}`],
      labels: { Service: 'parley' },
    });
    expect(agent).toContain('"metric_namespace":"Parley"');
    expect(agent).toContain('"log_group_name":"/parley/metrics"');
    for (const metric of [
      'parley_ws_connections',
      'parley_message_ack_seconds_summary',
      'parley_rate_limited_total',
    ]) {
      expect(agent).toContain(`"^${metric}$"`);
    }
    https.templates.app.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: '/parley/metrics',
      RetentionInDays: 30,
      KmsKeyId: Match.anyValue(),
    });
  });

  it('scales on CPU, on ALB requests per target and on WebSockets per instance', () => {
    const policies = resourcesOf(https.templates.app, 'AWS::AutoScaling::ScalingPolicy').map(
      ([, p]) => p.TargetTrackingConfiguration as Record<string, unknown>,
    );
    expect(policies).toHaveLength(3);
    expect(policies).toContainEqual(
      expect.objectContaining({
        PredefinedMetricSpecification: { PredefinedMetricType: 'ASGAverageCPUUtilization' },
        TargetValue: 60,
      }),
    );
    const requests = policies.find(
      (p) =>
        (p.PredefinedMetricSpecification as { PredefinedMetricType?: string })?.PredefinedMetricType ===
        'ALBRequestCountPerTarget',
    );
    expect(requests?.TargetValue).toBe(3000);
    // The label joins the ALB's and the target group's full names: app/…/targetgroup/….
    expect(JSON.stringify(requests?.PredefinedMetricSpecification)).toMatch(
      /LoadBalancerFullName.*"\/".*TargetGroupFullName/,
    );
    expect(policies).toContainEqual(
      expect.objectContaining({
        CustomizedMetricSpecification: {
          Namespace: 'Parley',
          MetricName: 'parley_ws_connections',
          Dimensions: [{ Name: 'Service', Value: 'parley' }],
          Statistic: 'Average',
        },
        TargetValue: 2000,
      }),
    );
  });

  it('notifies launch and terminate errors to parley-alarms, launches and terminations to parley-events', () => {
    const [[, asg]] = resourcesOf(https.templates.app, 'AWS::AutoScaling::AutoScalingGroup') as [
      [string, { NotificationConfigurations: { NotificationTypes: string[]; TopicARN: unknown }[] }],
    ];
    const byTopic = Object.fromEntries(
      asg.NotificationConfigurations.map((c) => [
        JSON.stringify(c.TopicARN).match(/Alarms|Events/)?.[0],
        [...c.NotificationTypes].sort(),
      ]),
    );
    expect(byTopic).toEqual({
      Alarms: ['autoscaling:EC2_INSTANCE_LAUNCH_ERROR', 'autoscaling:EC2_INSTANCE_TERMINATE_ERROR'],
      Events: ['autoscaling:EC2_INSTANCE_LAUNCH', 'autoscaling:EC2_INSTANCE_TERMINATE'],
    });
  });

  it('gives the instance role only its own secrets, its log group and the attachments prefix', () => {
    const statements = statementsOf(https.templates.app, 'AWS::IAM::Policy', 'FleetRoleDefaultPolicy');
    const json = JSON.stringify(statements);
    expect(json).not.toMatch(/MysqlInstanceSecret/); // never the DB master secret
    expect(json).toMatch(/AppUserSecretAttachment/);
    for (const purpose of ['activesession', 'verifyemailsession', 'passwordresetsession']) {
      expect(json).toMatch(new RegExp(`Keyring${purpose}Secret`));
    }
    const actions = statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
    expect(actions.filter((action) => action.includes('*'))).toEqual([]);
    const objects = statements.find((s) => s.Sid === 'AttachmentObjects');
    expect([...(objects?.Action ?? [])].sort()).toEqual([
      's3:AbortMultipartUpload',
      's3:DeleteObject',
      's3:GetObject',
      's3:PutObject',
    ]);
    expect(JSON.stringify(objects?.Resource)).toContain('/attachments/*');
    expect(json).toMatch(/logs:PutLogEvents/);
    https.templates.app.hasResourceProperties('AWS::IAM::Role', {
      ManagedPolicyArns: [
        { 'Fn::Join': ['', Match.arrayWith([':iam::aws:policy/AmazonSSMManagedInstanceCore'])] },
      ],
    });
  });
});

describe('attachments bucket', () => {
  it('blocks public access, encrypts with KMS and keeps versions', () => {
    https.templates.app.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          Match.objectLike({ ServerSideEncryptionByDefault: Match.objectLike({ SSEAlgorithm: 'aws:kms' }) }),
        ],
      },
      VersioningConfiguration: { Status: 'Enabled' },
    });
  });

  it('expires the old versions of deleted attachments after 14 days and abandoned multipart uploads after a day', () => {
    https.templates.app.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: [
          Match.objectLike({
            Status: 'Enabled',
            NoncurrentVersionExpiration: { NoncurrentDays: 14 },
            ExpiredObjectDeleteMarker: true,
            AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
          }),
        ],
      },
      VersioningConfiguration: { Status: 'Enabled' },
    });
  });

  it('denies non-TLS requests and every object request that does not come through the VPC endpoint', () => {
    const statements = statementsOf(https.templates.app, 'AWS::S3::BucketPolicy', 'AttachmentsBucketPolicy');
    expect(statements).toContainEqual(
      expect.objectContaining({
        Effect: 'Deny',
        Action: 's3:*',
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      }),
    );
    const vpce = statements.find((s) => s.Sid === 'DenyDataAccessOutsideVpcEndpoint');
    expect(vpce?.Effect).toBe('Deny');
    expect(vpce?.Principal).toEqual({ AWS: '*' });
    expect(vpce?.Action).toEqual(
      expect.arrayContaining(['s3:GetObject*', 's3:PutObject*', 's3:ListBucket*']),
    );
    // Bucket configuration stays manageable by CloudFormation from outside the VPC.
    expect(vpce?.Action).not.toContain('s3:*');
    expect(JSON.stringify(vpce?.Condition)).toMatch(/"StringNotEquals":\{"aws:SourceVpce":.*VpcS3/);
  });
});
