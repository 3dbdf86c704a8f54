import { type CfnResource, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { PlannedIpAddresses } from './constructs/cidr-plan.js';
import { LogsKey } from './constructs/logs-key.construct.js';
import { addS3EndpointPolicy } from './constructs/s3-endpoint-policy.js';
import { SecurityGroups } from './constructs/security-groups.construct.js';

export interface NetworkStackProps extends StackProps {
  /** AZs to span; at least two, named explicitly so synth needs no lookup. */
  readonly availabilityZones: string[];
  /**
   * NAT gateways for the private subnets.
   * @default 2 (one per AZ, so losing an AZ does not cut the other's egress)
   */
  readonly natGateways?: number;
  /** Id of the CloudFront origin-facing managed prefix list in this region (ALB ingress). */
  readonly cloudFrontPrefixListId: string;
}

/** VPC with public / private / isolated tiers, S3 + Secrets Manager endpoints and flow logs. */
export class NetworkStack extends Stack {
  readonly vpc: ec2.Vpc;
  readonly s3Endpoint: ec2.GatewayVpcEndpoint;
  readonly secretsManagerEndpoint: ec2.InterfaceVpcEndpoint;
  /** Customer key for the CloudWatch log groups of the regional stacks. */
  readonly logsKey: kms.Key;
  readonly securityGroups: SecurityGroups;

  constructor(scope: Construct, id: string, props: NetworkStackProps) {
    super(scope, id, props);
    this.logsKey = new LogsKey(this, 'LogsKey').key;

    this.vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: new PlannedIpAddresses(),
      availabilityZones: props.availabilityZones,
      natGateways: props.natGateways ?? 2,
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, mapPublicIpOnLaunch: false },
        { name: 'private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
        { name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      ],
      restrictDefaultSecurityGroup: true,
      gatewayEndpoints: {},
    });

    // AZs are named on purpose (context), so synth needs no lookup and the CIDR plan maps to known AZs.
    for (const subnet of [
      ...this.vpc.publicSubnets,
      ...this.vpc.privateSubnets,
      ...this.vpc.isolatedSubnets,
    ]) {
      (subnet.node.defaultChild as CfnResource).addMetadata('cfn-lint', {
        config: { ignore_checks: ['W3010'] },
      });
    }

    const flowLogGroup = new logs.LogGroup(this, 'FlowLogs', {
      retention: logs.RetentionDays.ONE_YEAR,
      encryptionKey: this.logsKey,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.vpc.addFlowLog('FlowLog', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogGroup),
      trafficType: ec2.FlowLogTrafficType.ALL,
      maxAggregationInterval: ec2.FlowLogMaxAggregationInterval.ONE_MINUTE,
    });

    // Gateway endpoint on every route table: instances reach the attachments bucket without the
    // internet, and the bucket policy admits only requests that carry this endpoint's id.
    this.s3Endpoint = this.vpc.addGatewayEndpoint('S3', { service: ec2.GatewayVpcEndpointAwsService.S3 });
    addS3EndpointPolicy(this.s3Endpoint, this);

    this.securityGroups = new SecurityGroups(this, 'SecurityGroups', {
      vpc: this.vpc,
      cloudFrontPrefixListId: props.cloudFrontPrefixListId,
    });

    // The isolated subnets have no route out: rotation and bootstrap Lambdas reach Secrets Manager here.
    // `open: false`: callers are admitted one security group at a time (SecurityGroups).
    this.secretsManagerEndpoint = this.vpc.addInterfaceEndpoint('SecretsManager', {
      service: ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
      subnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      privateDnsEnabled: true,
      open: false,
      securityGroups: [this.securityGroups.secretsEndpoint],
    });
  }
}
