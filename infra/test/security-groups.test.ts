import { beforeAll, describe, expect, it } from 'vitest';
import { resourcesOf, type Synthesized, synthParley } from './support/synth.js';

type Rule = string;

/** "SecurityGroupsDbRotation284149EA" → "DbRotation". */
function groupName(ref: unknown): string {
  const id = (ref as { 'Fn::GetAtt'?: [string] })?.['Fn::GetAtt']?.[0] ?? JSON.stringify(ref);
  return id.replace(/^SecurityGroups/, '').replace(/[0-9A-F]{8}$/, '');
}

let synth: Synthesized;
let ingress: Rule[];
beforeAll(() => {
  synth = synthParley();
  ingress = [];
  for (const template of Object.values(synth.templates)) {
    for (const [, p] of resourcesOf(template, 'AWS::EC2::SecurityGroupIngress')) {
      const source =
        p.SourcePrefixListId ?? (p.SourceSecurityGroupId ? groupName(p.SourceSecurityGroupId) : p.CidrIp);
      ingress.push(`${groupName(p.GroupId)} <- ${String(source)} tcp/${p.FromPort}`);
    }
    for (const [id, p] of resourcesOf(template, 'AWS::EC2::SecurityGroup')) {
      for (const rule of (p.SecurityGroupIngress as Record<string, unknown>[] | undefined) ?? []) {
        ingress.push(`${id} <- ${String(rule.CidrIp ?? rule.SourceSecurityGroupId)} inline/${rule.FromPort}`);
      }
    }
  }
});

describe('security groups (design notes, exactly)', () => {
  it('has exactly the ingress rules of the notes and nothing else', () => {
    expect(ingress.sort()).toEqual(
      [
        // ALB 80/443 in — only from CloudFront's origin-facing prefix list (WAF cannot be bypassed).
        'Alb <- pl-4fa04526 tcp/443',
        'AlbHttp <- pl-4fa04526 tcp/80',
        // App instances only from the ALB's security group on the app port.
        'App <- Alb tcp/8080',
        // RDS 3306 from the app, plus the bootstrap and the rotation Lambdas (rotation requires it).
        'Database <- App tcp/3306',
        'Database <- DbBootstrap tcp/3306',
        'Database <- DbRotation tcp/3306',
        // Redis only from the app.
        'Cache <- App tcp/6379',
        // Secrets Manager endpoint from its callers.
        'SecretsEndpoint <- App tcp/443',
        'SecretsEndpoint <- DbBootstrap tcp/443',
        'SecretsEndpoint <- DbRotation tcp/443',
        'SecretsEndpoint <- KeyringRotation tcp/443',
      ].sort(),
    );
  });

  it('never admits 0.0.0.0/0 or ::/0', () => {
    for (const template of Object.values(synth.templates)) {
      const json = JSON.stringify(template.toJSON());
      expect(json).not.toMatch(/"CidrIp(v6)?":"(0\.0\.0\.0\/0|::\/0)","Description":"[^"]*","FromPort/);
      for (const [, p] of resourcesOf(template, 'AWS::EC2::SecurityGroupIngress')) {
        expect([p.CidrIp, p.CidrIpv6]).not.toContain('0.0.0.0/0');
        expect([p.CidrIp, p.CidrIpv6]).not.toContain('::/0');
      }
    }
  });

  it('lets the Lambdas out only to their peers (no allow-all egress)', () => {
    const groups = Object.fromEntries(
      resourcesOf(synth.templates.network, 'AWS::EC2::SecurityGroup').map(([id, p]) => [
        groupName({ 'Fn::GetAtt': [id] }),
        p,
      ]),
    );
    for (const name of [
      'DbRotation',
      'DbBootstrap',
      'KeyringRotation',
      'Alb',
      'AlbHttp',
      'Database',
      'Cache',
    ]) {
      const egress = (groups[name]?.SecurityGroupEgress as { CidrIp?: string }[] | undefined) ?? [];
      expect(
        egress.some((rule) => rule.CidrIp === '0.0.0.0/0'),
        name,
      ).toBe(false);
    }
    const egressRules = resourcesOf(synth.templates.network, 'AWS::EC2::SecurityGroupEgress').map(
      ([, p]) => `${groupName(p.GroupId)} -> ${groupName(p.DestinationSecurityGroupId)} tcp/${p.FromPort}`,
    );
    expect(egressRules.sort()).toEqual(
      [
        'Alb -> App tcp/8080',
        'AlbHttp -> App tcp/8080',
        'DbBootstrap -> Database tcp/3306',
        'DbBootstrap -> SecretsEndpoint tcp/443',
        'DbRotation -> Database tcp/3306',
        'DbRotation -> SecretsEndpoint tcp/443',
        'KeyringRotation -> SecretsEndpoint tcp/443',
      ].sort(),
    );
  });

  it('puts the database and the cache in their own security groups', () => {
    const [[, db]] = resourcesOf(synth.templates.data, 'AWS::RDS::DBInstance') as [
      [string, Record<string, unknown>],
    ];
    expect(JSON.stringify(db.VPCSecurityGroups)).toMatch(/SecurityGroupsDatabase[0-9A-F]{8}GroupId/);
    expect((db.VPCSecurityGroups as unknown[]).length).toBe(1);
    const [[, cache]] = resourcesOf(synth.templates.data, 'AWS::ElastiCache::ReplicationGroup') as [
      [string, Record<string, unknown>],
    ];
    expect(JSON.stringify(cache.SecurityGroupIds)).toMatch(/SecurityGroupsCache[0-9A-F]{8}GroupId/);
    expect((cache.SecurityGroupIds as unknown[]).length).toBe(1);
  });
});
