import type { App } from 'aws-cdk-lib';
import { AlertsStack } from './alerts.stack.js';
import { AppStack } from './app.stack.js';
import { BackupCopyStack } from './backup-copy.stack.js';
import { httpsEnabled, readConfig } from './config.js';
import { WEB_ACL_NAME } from './constructs/web-acl.construct.js';
import { DataStack } from './data.stack.js';
import { EdgeStack } from './edge.stack.js';
import { MonitoringStack } from './monitoring.stack.js';
import { NetworkStack } from './network.stack.js';
import { SecretsStack } from './secrets.stack.js';
import { WAF_REGION, WafStack } from './waf.stack.js';

export interface ParleyStacks {
  alerts: AlertsStack;
  network: NetworkStack;
  secrets: SecretsStack;
  data: DataStack;
  app: AppStack;
  waf: WafStack;
  edge: EdgeStack;
  monitoring: MonitoringStack;
  /** Only with `parley:backupCopyRegion`. */
  backupCopy?: BackupCopyStack;
}

/** Builds every Parley stack into `app` from its `parley:*` context. */
export function buildParley(app: App): ParleyStacks {
  const config = readConfig(app.node);
  const env = { account: config.account, region: config.region };
  // Answer CDK's AZ lookup from config, so synth never calls AWS (offline, no credentials).
  app.node.setContext(
    `availability-zones:account=${config.account}:region=${config.region}`,
    config.availabilityZones,
  );

  const alerts = new AlertsStack(app, 'Parley-Alerts', {
    env,
    description: 'Parley alerts: the alarm and event topics (SNS, encrypted) operators subscribe to',
    alarmEmail: config.alarmEmail,
  });
  const backupCopy = config.backupCopyRegion
    ? new BackupCopyStack(app, 'Parley-BackupCopy', {
        env: { account: config.account, region: config.backupCopyRegion },
        description: `Parley disaster-recovery backup vault (copies from ${config.region})`,
      })
    : undefined;
  const network = new NetworkStack(app, 'Parley-Network', {
    env,
    description: 'Parley network: VPC, subnets, endpoints, flow logs, security groups',
    availabilityZones: config.availabilityZones,
    natGateways: config.natGateways,
    cloudFrontPrefixListId: config.cloudFrontPrefixListId,
  });
  const secrets = new SecretsStack(app, 'Parley-Secrets', {
    env,
    description: 'Parley secrets: SMTP, signing keyrings and their rotation',
    vpc: network.vpc,
    logsKey: network.logsKey,
    rotationSecurityGroup: network.securityGroups.keyringRotation,
  });
  const data = new DataStack(app, 'Parley-Data', {
    env,
    description: 'Parley data: RDS for MySQL 9.7, DB secrets and bootstrap, Valkey',
    vpc: network.vpc,
    securityGroups: network.securityGroups,
    logsKey: network.logsKey,
    mysqlFullVersion: config.mysqlFullVersion,
    dbInstanceClass: config.dbInstanceClass,
    dbAllocatedStorageGiB: config.dbAllocatedStorageGiB,
    cacheNodeType: config.cacheNodeType,
    ...(config.backupCopyRegion ? { backupCopyRegion: config.backupCopyRegion } : {}),
  });
  // The plan copies into the vault by name: that vault must exist first.
  if (backupCopy) data.addStackDependency(backupCopy);
  const appStack = new AppStack(app, 'Parley-App', {
    env,
    description: 'Parley app tier: ALB, EC2 Auto Scaling group, attachments bucket',
    vpc: network.vpc,
    securityGroups: network.securityGroups,
    s3Endpoint: network.s3Endpoint,
    logsKey: network.logsKey,
    data,
    secrets,
    instanceType: config.appInstanceType,
    minCapacity: config.appMinCapacity,
    maxCapacity: config.appMaxCapacity,
    requestsPerInstancePerMinute: config.requestsPerInstancePerMinute,
    wsConnectionsPerInstance: config.wsConnectionsPerInstance,
    alarmTopic: alerts.alarmTopic,
    eventTopic: alerts.eventTopic,
    appBundleDir: config.appBundleDir,
    originVerifyVersionId: config.originVerifyVersionId,
    smtpUrl: config.smtpUrl,
    smtpFrom: config.smtpFrom,
    ...(config.domainName ? { publicUrl: `https://${config.domainName}` } : {}),
    ...(httpsEnabled(config) ? { albCertificateArn: config.albCertificateArn } : {}),
  });
  // CLOUDFRONT-scope web ACLs exist only in us-east-1; the ARN crosses regions via SSM (CDK-managed).
  const waf = new WafStack(app, 'Parley-Waf', {
    env: { account: config.account, region: WAF_REGION },
    description: 'Parley WAF web ACL for CloudFront (us-east-1) and its blocked-requests alarm',
    crossRegionReferences: true,
    siteRateLimit: config.siteRateLimit,
    authRateLimit: config.authRateLimit,
    alarmEmail: config.alarmEmail,
    blockedRequestsAlarm: config.wafBlockedRequestsAlarm,
  });
  const edge = new EdgeStack(app, 'Parley-Edge', {
    env,
    description: 'Parley edge: CloudFront, site bucket',
    crossRegionReferences: true,
    albDnsName: appStack.loadBalancer.alb.loadBalancerDnsName,
    albHttps: appStack.loadBalancer.https,
    originVerifySecret: appStack.originVerifySecret,
    webAclArn: waf.webAclArn,
    siteDir: config.siteDir,
    originVerifyVersionId: config.originVerifyVersionId,
    ...(config.domainName
      ? { domain: { name: config.domainName, certificateArn: config.cloudFrontCertificateArn } }
      : {}),
  });
  const monitoring = new MonitoringStack(app, 'Parley-Monitoring', {
    env,
    description: 'Parley monitoring: alarms, dashboard, RDS events, rotation and backup failures, budget',
    app: appStack,
    data,
    secrets,
    edge,
    dbInstanceClass: config.dbInstanceClass,
    dbAllocatedStorageGiB: config.dbAllocatedStorageGiB,
    monthlyBudgetUsd: config.monthlyBudgetUsd,
    webAclName: WEB_ACL_NAME,
  });
  monitoring.addStackDependency(alerts);
  return {
    alerts,
    network,
    secrets,
    data,
    app: appStack,
    waf,
    edge,
    monitoring,
    ...(backupCopy ? { backupCopy } : {}),
  };
}
