import { Duration, Stack } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { APP_METRIC, APP_METRICS_NAMESPACE, SERVICE_DIMENSION } from '../app-metrics.js';
import { appUserData } from './app-user-data.js';
import { APP_PORT } from './security-groups.construct.js';

/**
 * How long a new instance may take from launch to passing the load balancer's health check before
 * Auto Scaling counts its failures. Boot (dnf from the regional repository, unzip, start, cfn-signal)
 * is expected well inside it; docs/operations.md has the measurement to do on the first deploy.
 */
export const HEALTH_CHECK_GRACE = Duration.minutes(8);
/** New instances' metrics are left out of the scaling averages this long. */
export const INSTANCE_WARMUP = Duration.minutes(5);

export interface FleetScaling {
  /** `app/…/targetgroup/…` label of the ALB and target group for ALBRequestCountPerTarget. */
  readonly requestCountResourceLabel: string;
  readonly requestsPerInstancePerMinute: number;
  readonly wsConnectionsPerInstance: number;
}

/** Average open WebSockets per instance (Parley namespace, see app-metrics.ts). */
export function wsConnectionsMetric(): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: APP_METRICS_NAMESPACE,
    metricName: APP_METRIC.wsConnections,
    dimensionsMap: { ...SERVICE_DIMENSION },
    statistic: 'Average',
    period: Duration.minutes(1),
  });
}

export interface AppFleetProps {
  readonly vpc: ec2.IVpc;
  readonly securityGroup: ec2.ISecurityGroup;
  /** Zip of the packaged app (scripts/package-app.ts), uploaded by CDK as an asset. */
  readonly appBundle: s3assets.Asset;
  readonly logGroupName: string;
  /** App environment: ids and names only (secret ids, bucket, hosts), never secret values. */
  readonly environment: Record<string, string>;
  /** Graviton instance type, e.g. `t4g.medium`. */
  readonly instanceType: string;
  /**
   * Instances at all times (two AZs).
   * @default 2
   */
  readonly minCapacity?: number;
  /**
   * Upper bound for scale-out.
   * @default 6
   */
  readonly maxCapacity?: number;
  /** Launch and terminate errors (someone must look). */
  readonly alarmTopic: sns.ITopic;
  /** Launches and terminations (scaling, health replacement): informational. */
  readonly eventTopic: sns.ITopic;
  readonly scaling: FleetScaling;
}

/**
 * EC2 Auto Scaling group of Amazon Linux 2023 Graviton instances in the private subnets: IMDSv2 only,
 * encrypted EBS, Session Manager instead of SSH (no key pair, no port 22).
 */
export class AppFleet extends Construct {
  readonly asg: autoscaling.AutoScalingGroup;
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: AppFleetProps) {
    super(scope, id);
    const minCapacity = props.minCapacity ?? 2;
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      description: 'Parley app instances: own secrets, attachments prefix, own log group, SSM',
      // Session Manager (the notes' "connect to the EC2 instance") without SSH keys.
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonSSMManagedInstanceCore')],
    });
    // Only the one bundle object, not the whole CDK assets bucket (Asset.grantRead would allow that).
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'AppBundle',
        actions: ['s3:GetObject'],
        resources: [
          `arn:${Stack.of(this).partition}:s3:::${props.appBundle.s3BucketName}/${props.appBundle.s3ObjectKey}`,
        ],
      }),
    );

    const userData = ec2.UserData.forLinux();
    const launchTemplate = new ec2.LaunchTemplate(this, 'LaunchTemplate', {
      machineImage: ec2.MachineImage.latestAmazonLinux2023({ cpuType: ec2.AmazonLinuxCpuType.ARM_64 }),
      instanceType: new ec2.InstanceType(props.instanceType),
      role: this.role,
      securityGroup: props.securityGroup,
      userData,
      requireImdsv2: true,
      httpPutResponseHopLimit: 1,
      detailedMonitoring: true,
      blockDevices: [
        {
          deviceName: '/dev/xvda',
          volume: ec2.BlockDeviceVolume.ebs(20, { encrypted: true, volumeType: ec2.EbsDeviceVolumeType.GP3 }),
        },
      ],
    });

    this.asg = new autoscaling.AutoScalingGroup(this, 'Asg', {
      vpc: props.vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      launchTemplate,
      minCapacity,
      maxCapacity: props.maxCapacity ?? 6,
      // ELB health (liveness only, see AppLoadBalancer) so a wedged process is replaced, not just a
      // dead VM. Replacement is launch-before-terminate: with 100 % minimum healthy, an instance is
      // only terminated once its replacement is healthy, so failing health checks can never take
      // capacity below desired, let alone replace the whole fleet at once (docs/adr/0012).
      healthChecks: autoscaling.HealthChecks.withAdditionalChecks({
        additionalTypes: [autoscaling.AdditionalHealthCheckType.ELB],
        gracePeriod: HEALTH_CHECK_GRACE,
      }),
      minHealthyPercentage: 100,
      maxHealthyPercentage: 150,
      defaultInstanceWarmup: INSTANCE_WARMUP,
      notifications: [
        {
          topic: props.alarmTopic,
          scalingEvents: new autoscaling.ScalingEvents(
            autoscaling.ScalingEvent.INSTANCE_LAUNCH_ERROR,
            autoscaling.ScalingEvent.INSTANCE_TERMINATE_ERROR,
          ),
        },
        {
          topic: props.eventTopic,
          scalingEvents: new autoscaling.ScalingEvents(
            autoscaling.ScalingEvent.INSTANCE_LAUNCH,
            autoscaling.ScalingEvent.INSTANCE_TERMINATE,
          ),
        },
      ],
      // Creation and each rolling update wait for the instances' cfn-signal (app answered ready).
      signals: autoscaling.Signals.waitForMinCapacity({ timeout: Duration.minutes(20) }),
      updatePolicy: autoscaling.UpdatePolicy.rollingUpdate({
        minInstancesInService: minCapacity,
        maxBatchSize: 1,
        pauseTime: Duration.minutes(20),
      }),
      groupMetrics: [autoscaling.GroupMetrics.all()],
    });
    // Three target-tracking policies: Auto Scaling adds instances when any one is above its target and
    // removes them only when all are below. CPU alone misses the WebSocket-heavy load (idle sockets
    // cost memory and fan-out, not CPU) and request bursts that a warming instance cannot absorb.
    this.asg.scaleOnCpuUtilization('Cpu', { targetUtilizationPercent: 60 });
    new autoscaling.TargetTrackingScalingPolicy(this, 'RequestsPerTarget', {
      autoScalingGroup: this.asg,
      predefinedMetric: autoscaling.PredefinedMetric.ALB_REQUEST_COUNT_PER_TARGET,
      resourceLabel: props.scaling.requestCountResourceLabel,
      targetValue: props.scaling.requestsPerInstancePerMinute,
    });
    this.asg.scaleToTrackMetric('WsConnections', {
      metric: wsConnectionsMetric(),
      targetValue: props.scaling.wsConnectionsPerInstance,
    });

    const stack = Stack.of(this);
    const asgResource = this.asg.node.defaultChild as autoscaling.CfnAutoScalingGroup;
    userData.addCommands(
      ...appUserData({
        region: stack.region,
        appBundleS3Url: props.appBundle.s3ObjectUrl,
        logGroupName: props.logGroupName,
        stackName: stack.stackName,
        asgLogicalId: stack.getLogicalId(asgResource),
        environment: props.environment,
        appPort: APP_PORT,
      }),
    );
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['cloudformation:SignalResource'],
        resources: [stack.stackId],
      }),
    );
  }
}
