import { Duration } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { APP_PORT } from './security-groups.construct.js';

/** Header CloudFront adds to every origin request; the listener forwards only when it matches. */
export const ORIGIN_VERIFY_HEADER = 'X-Origin-Verify';
/**
 * Target health is liveness only (the process answers): a database or Valkey failover makes every
 * instance's readiness fail at once, and the ALB would then see no healthy target and the Auto Scaling
 * group would replace the whole fleet. The API answers 503 on calls that need the database instead.
 * See docs/adr/0012-health-checks.md.
 */
export const HEALTH_CHECK_PATH = '/api/health/live';

export interface AppLoadBalancerProps {
  readonly vpc: ec2.IVpc;
  /** SecurityGroups.alb (443 from CloudFront) and SecurityGroups.albHttp (80 from CloudFront). */
  readonly securityGroups: [ec2.ISecurityGroup, ec2.ISecurityGroup];
  /** Secret value CloudFront sends in ORIGIN_VERIFY_HEADER (a CloudFormation dynamic reference). */
  readonly originVerifyValue: string;
  readonly accessLogsBucket: s3.IBucket;
  /**
   * Regional ACM certificate. Without one the ALB runs in HTTP-only mode: CloudFront reaches it over
   * HTTP (viewers still get HTTPS from CloudFront). Only for trials without a domain.
   * @default - HTTP-only mode
   */
  readonly certificateArn?: string;
  /**
   * Idle timeout; must exceed the WebSocket heartbeat interval.
   * @default Duration.seconds(300)
   */
  readonly idleTimeout?: Duration;
}

/** Internet-facing ALB in the public subnets that serves only requests carrying CloudFront's secret header. */
export class AppLoadBalancer extends Construct {
  readonly alb: elbv2.ApplicationLoadBalancer;
  readonly targetGroup: elbv2.ApplicationTargetGroup;
  readonly https: boolean;
  /** How long the ALB keeps an idle connection; the app's keep-alive timeout must be longer. */
  readonly idleTimeout: Duration;

  constructor(scope: Construct, id: string, props: AppLoadBalancerProps) {
    super(scope, id);
    this.idleTimeout = props.idleTimeout ?? Duration.seconds(300);
    this.https = props.certificateArn !== undefined && props.certificateArn !== '';
    const [httpsGroup, httpGroup] = props.securityGroups;
    this.alb = new elbv2.ApplicationLoadBalancer(this, 'Alb', {
      vpc: props.vpc,
      internetFacing: true,
      vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
      securityGroup: httpsGroup,
      idleTimeout: this.idleTimeout,
      http2Enabled: true,
      dropInvalidHeaderFields: true,
      desyncMitigationMode: elbv2.DesyncMitigationMode.STRICTEST,
      deletionProtection: true,
    });
    this.alb.addSecurityGroup(httpGroup);
    this.alb.logAccessLogs(props.accessLogsBucket, 'alb');

    this.targetGroup = new elbv2.ApplicationTargetGroup(this, 'Targets', {
      vpc: props.vpc,
      port: APP_PORT,
      protocol: elbv2.ApplicationProtocol.HTTP,
      targetType: elbv2.TargetType.INSTANCE,
      // Targets join through the Auto Scaling group's TargetGroupARNs (AppStack), so CDK adds no
      // implicit security group rules: SecurityGroups declares every rule.
      // Long enough for clients to move their WebSocket to another instance during scale-in.
      deregistrationDelay: Duration.seconds(60),
      // Unhealthy after 3 × 15 s without an answer: a dead or wedged process, never a shared outage.
      healthCheck: {
        path: HEALTH_CHECK_PATH,
        healthyHttpCodes: '200',
        interval: Duration.seconds(15),
        timeout: Duration.seconds(5),
        healthyThresholdCount: 2,
        unhealthyThresholdCount: 3,
      },
    });

    const deny = elbv2.ListenerAction.fixedResponse(403, {
      contentType: 'text/plain',
      messageBody: 'Forbidden',
    });
    const listener = this.https
      ? this.alb.addListener('Https', {
          port: 443,
          protocol: elbv2.ApplicationProtocol.HTTPS,
          certificates: [elbv2.ListenerCertificate.fromArn(props.certificateArn ?? '')],
          sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
          defaultAction: deny,
          open: false,
        })
      : this.alb.addListener('Http', {
          port: 80,
          protocol: elbv2.ApplicationProtocol.HTTP,
          defaultAction: deny,
          open: false,
        });
    // Requests that did not pass through CloudFront (and so not through WAF) get the 403 default.
    listener.addAction('FromCloudFront', {
      priority: 10,
      conditions: [elbv2.ListenerCondition.httpHeader(ORIGIN_VERIFY_HEADER, [props.originVerifyValue])],
      action: elbv2.ListenerAction.forward([this.targetGroup]),
    });
    if (this.https) {
      this.alb.addListener('HttpRedirect', {
        port: 80,
        protocol: elbv2.ApplicationProtocol.HTTP,
        open: false,
        defaultAction: elbv2.ListenerAction.redirect({ protocol: 'HTTPS', port: '443', permanent: true }),
      });
    }
  }
}
