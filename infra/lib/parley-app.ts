import type { App } from 'aws-cdk-lib';
import { AppStack } from './app.stack.js';
import { httpsEnabled, readConfig } from './config.js';
import { DataStack } from './data.stack.js';
import { EdgeStack } from './edge.stack.js';
import { NetworkStack } from './network.stack.js';
import { SecretsStack } from './secrets.stack.js';
import { WafStack } from './waf.stack.js';

export interface ParleyStacks {
  network: NetworkStack;
  secrets: SecretsStack;
  data: DataStack;
  app: AppStack;
  waf: WafStack;
  edge: EdgeStack;
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
    secretsManagerEndpoint: network.secretsManagerEndpoint,
    logsKey: network.logsKey,
    mysqlFullVersion: config.mysqlFullVersion,
    dbInstanceClass: config.dbInstanceClass,
    dbAllocatedStorageGiB: config.dbAllocatedStorageGiB,
    cacheNodeType: config.cacheNodeType,
  });
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
    appBundleDir: config.appBundleDir,
    originVerifyVersionId: config.originVerifyVersionId,
    smtpUrl: config.smtpUrl,
    smtpFrom: config.smtpFrom,
    ...(config.domainName ? { publicUrl: `https://${config.domainName}` } : {}),
    ...(httpsEnabled(config) ? { albCertificateArn: config.albCertificateArn } : {}),
  });
  // CLOUDFRONT-scope web ACLs exist only in us-east-1; the ARN crosses regions via SSM (CDK-managed).
  const waf = new WafStack(app, 'Parley-Waf', {
    env: { account: config.account, region: 'us-east-1' },
    description: 'Parley WAF web ACL for CloudFront (us-east-1)',
    crossRegionReferences: true,
    siteRateLimit: config.siteRateLimit,
    authRateLimit: config.authRateLimit,
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
  return { network, secrets, data, app: appStack, waf, edge };
}
