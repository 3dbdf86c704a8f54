import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { CIDR_PLAN, VPC_CIDR } from '../lib/constructs/cidr-plan.js';
import { resourcesOf, type Synthesized, synthParley } from './support/synth.js';

function toRange(cidr: string): [number, number] {
  const [address = '', bits = '32'] = cidr.split('/');
  const start = address.split('.').reduce((sum, octet) => sum * 256 + Number(octet), 0);
  return [start, start + 2 ** (32 - Number(bits)) - 1];
}

let synth: Synthesized;
beforeAll(() => {
  synth = synthParley();
});

describe('VPC and CIDR plan', () => {
  it('is 10.0.0.0/16 with DNS support', () => {
    synth.templates.network.hasResourceProperties('AWS::EC2::VPC', {
      CidrBlock: '10.0.0.0/16',
      EnableDnsHostnames: true,
      EnableDnsSupport: true,
    });
    expect(VPC_CIDR).toBe('10.0.0.0/16');
  });

  it('has public, private and isolated subnets in two AZs with the planned CIDRs', () => {
    const subnets = resourcesOf(synth.templates.network, 'AWS::EC2::Subnet').map(([, p]) => ({
      cidr: p.CidrBlock,
      az: p.AvailabilityZone,
      tier: (p.Tags as { Key: string; Value: string }[]).find((t) => t.Key === 'aws-cdk:subnet-name')?.Value,
      publicIp: p.MapPublicIpOnLaunch,
    }));
    expect(subnets).toHaveLength(6);
    for (const tier of ['public', 'private', 'isolated'] as const) {
      const ofTier = subnets.filter((s) => s.tier === tier);
      expect(ofTier.map((s) => s.cidr)).toEqual(CIDR_PLAN[tier].slice(0, 2));
      expect(new Set(ofTier.map((s) => s.az))).toEqual(new Set(['eu-west-1a', 'eu-west-1b']));
    }
    expect(subnets.every((s) => s.publicIp === false)).toBe(true);
  });

  it('plans ranges that lie inside the VPC and never overlap', () => {
    const all = Object.values(CIDR_PLAN).flat().map(toRange);
    const [vpcStart, vpcEnd] = toRange(VPC_CIDR);
    for (const [start, end] of all) expect(start >= vpcStart && end <= vpcEnd).toBe(true);
    const sorted = [...all].sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < sorted.length; i++) expect(sorted[i]?.[0]).toBeGreaterThan(sorted[i - 1]?.[1] ?? 0);
  });

  it('routes private subnets through NAT and leaves isolated subnets without a default route', () => {
    const t = synth.templates.network;
    t.resourceCountIs('AWS::EC2::NatGateway', 2);
    const routes = resourcesOf(t, 'AWS::EC2::Route').map(
      ([id, p]) => ({ id, ...p }) as Record<string, unknown> & { id: string },
    );
    expect(routes.filter((r) => r.id.startsWith('Vpcpublic') && r.GatewayId)).toHaveLength(2);
    expect(routes.filter((r) => r.id.startsWith('Vpcprivate') && r.NatGatewayId)).toHaveLength(2);
    expect(routes.filter((r) => r.id.startsWith('Vpcisolated'))).toHaveLength(0);
  });

  it('has an S3 gateway endpoint on every route table and a private Secrets Manager endpoint', () => {
    const t = synth.templates.network;
    t.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      VpcEndpointType: 'Gateway',
      ServiceName: { 'Fn::Join': ['', ['com.amazonaws.', { Ref: 'AWS::Region' }, '.s3']] },
    });
    const gateway = resourcesOf(t, 'AWS::EC2::VPCEndpoint').find(([, p]) => p.VpcEndpointType === 'Gateway');
    expect((gateway?.[1].RouteTableIds as unknown[] | undefined)?.length).toBe(6);
    t.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      VpcEndpointType: 'Interface',
      ServiceName: 'com.amazonaws.eu-west-1.secretsmanager',
      PrivateDnsEnabled: true,
    });
  });

  it("limits the S3 endpoint to this account's buckets plus read-only AWS-owned OS/SSM buckets", () => {
    const gateway = resourcesOf(synth.templates.network, 'AWS::EC2::VPCEndpoint').find(
      ([, p]) => p.VpcEndpointType === 'Gateway',
    );
    const statements = (gateway?.[1].PolicyDocument as { Statement: Record<string, unknown>[] } | undefined)
      ?.Statement;
    expect(statements).toHaveLength(2);
    const own = statements?.find((s) => s.Sid === 'OwnAccountBucketsOnly');
    expect(own?.Condition).toEqual({ StringEquals: { 'aws:ResourceAccount': '111111111111' } });
    expect(JSON.stringify(own?.Action)).not.toContain('*');
    // The app removes the bytes of orphan uploads through the endpoint.
    expect(own?.Action).toContain('s3:DeleteObject');
    const aws = statements?.find((s) => s.Sid === 'AwsOwnedReadOnly');
    expect(aws?.Action).toBe('s3:GetObject');
    expect(aws?.Resource).toContain('arn:aws:s3:::al2023-repos-eu-west-1-de612dc2/*');
  });

  it('logs all VPC traffic to an encrypted log group', () => {
    synth.templates.network.hasResourceProperties('AWS::EC2::FlowLog', {
      ResourceType: 'VPC',
      TrafficType: 'ALL',
      LogDestinationType: 'cloud-watch-logs',
    });
    synth.templates.network.hasResourceProperties('AWS::Logs::LogGroup', { KmsKeyId: Match.anyValue() });
  });
});
