import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';

/** Port the app listens on behind the ALB (unprivileged, so the systemd unit needs no capabilities). */
export const APP_PORT = 8080;
export const MYSQL_PORT = 3306;
export const REDIS_PORT = 6379;

export interface SecurityGroupsProps {
  readonly vpc: ec2.IVpc;
  /** Id of the `com.amazonaws.global.cloudfront.origin-facing` managed prefix list in this region. */
  readonly cloudFrontPrefixListId: string;
  /**
   * Port of the app instances.
   * @default APP_PORT (8080)
   */
  readonly appPort?: number;
}

/**
 * Every security group and ingress rule of the design notes, in one place:
 *   ALB 80/443 in (only from CloudFront's origin-facing prefix list, so WAF cannot be bypassed);
 *   app instances only from the ALB's security group on the app port;
 *   RDS 3306 only from the app, plus the bootstrap Lambda and the DB secret rotation Lambdas (rotation
 *   requires it: it logs in to change passwords);
 *   Redis only from the app. No 0.0.0.0/0 ingress anywhere.
 */
export class SecurityGroups extends Construct {
  /** ALB, HTTPS 443 from CloudFront. */
  readonly alb: ec2.SecurityGroup;
  /**
   * ALB, HTTP 80 from CloudFront. A separate group because a prefix list counts as its max size
   * (55 for CloudFront) against the 60-rules-per-group quota: two such rules cannot share one group.
   */
  readonly albHttp: ec2.SecurityGroup;
  readonly app: ec2.SecurityGroup;
  readonly database: ec2.SecurityGroup;
  readonly cache: ec2.SecurityGroup;
  readonly dbRotation: ec2.SecurityGroup;
  readonly dbBootstrap: ec2.SecurityGroup;
  readonly keyringRotation: ec2.SecurityGroup;
  readonly secretsEndpoint: ec2.SecurityGroup;

  constructor(scope: Construct, id: string, props: SecurityGroupsProps) {
    super(scope, id);
    const { vpc } = props;
    const appPort = props.appPort ?? APP_PORT;
    const group = (name: string, description: string, allowAllOutbound = false) =>
      new ec2.SecurityGroup(this, name, { vpc, description, allowAllOutbound });

    this.alb = group('Alb', 'Parley ALB: HTTPS from CloudFront only');
    this.albHttp = group('AlbHttp', 'Parley ALB: HTTP from CloudFront only');
    // Instances need outbound HTTPS (NAT): npm registry, dnf repos, SSM, CloudWatch, AWS APIs.
    this.app = group('App', 'Parley app instances: app port from the ALB only', true);
    this.database = group('Database', 'Parley RDS MySQL: 3306 from app and DB admin Lambdas only');
    this.cache = group('Cache', 'Parley Valkey: 6379 from app only');
    this.dbRotation = group('DbRotation', 'Parley RDS secret rotation Lambdas');
    this.dbBootstrap = group('DbBootstrap', 'Parley DB bootstrap (migrations, app user) Lambda');
    this.keyringRotation = group('KeyringRotation', 'Parley signing keyring rotation Lambda');
    this.secretsEndpoint = group('SecretsEndpoint', 'Secrets Manager interface endpoint: 443 from callers');

    const cloudFront = ec2.Peer.prefixList(props.cloudFrontPrefixListId);
    this.alb.addIngressRule(cloudFront, ec2.Port.tcp(443), 'HTTPS from CloudFront origin-facing');
    this.albHttp.addIngressRule(cloudFront, ec2.Port.tcp(80), 'HTTP from CloudFront origin-facing');
    this.alb.addEgressRule(this.app, ec2.Port.tcp(appPort), 'to app instances');
    this.albHttp.addEgressRule(this.app, ec2.Port.tcp(appPort), 'to app instances');

    this.app.addIngressRule(this.alb, ec2.Port.tcp(appPort), 'from the ALB only');
    this.database.addIngressRule(this.app, ec2.Port.tcp(MYSQL_PORT), 'from app instances');
    this.database.addIngressRule(
      this.dbBootstrap,
      ec2.Port.tcp(MYSQL_PORT),
      'bootstrap: migrations, app user',
    );
    // Rotation requires it: the rotation Lambdas log in to MySQL to set the new passwords.
    this.database.addIngressRule(this.dbRotation, ec2.Port.tcp(MYSQL_PORT), 'secret rotation Lambdas');
    this.dbBootstrap.addEgressRule(this.database, ec2.Port.tcp(MYSQL_PORT), 'to RDS');
    this.dbRotation.addEgressRule(this.database, ec2.Port.tcp(MYSQL_PORT), 'to RDS');
    this.cache.addIngressRule(this.app, ec2.Port.tcp(REDIS_PORT), 'from app instances');

    for (const [caller, name] of [
      [this.app, 'app instances'],
      [this.dbRotation, 'DB rotation'],
      [this.dbBootstrap, 'DB bootstrap'],
      [this.keyringRotation, 'keyring rotation'],
    ] as const) {
      this.secretsEndpoint.addIngressRule(caller, ec2.Port.tcp(443), `Secrets Manager from ${name}`);
      if (caller !== this.app)
        caller.addEgressRule(this.secretsEndpoint, ec2.Port.tcp(443), 'to Secrets Manager');
    }
  }
}
