import type { Node } from 'constructs';

/** Everything the app reads from CDK context (`cdk.json` or `-c key=value`), validated once. */
export interface ParleyConfig {
  readonly account: string;
  readonly region: string;
  /** Explicit AZs so synth never looks them up (works offline, no credentials). */
  readonly availabilityZones: string[];
  readonly natGateways: number;
  /** Full RDS engine version, e.g. `9.7.0`; the major version is fixed to 9.7 in code. */
  readonly mysqlFullVersion: string;
  readonly dbInstanceClass: string;
  readonly dbAllocatedStorageGiB: number;
  readonly cacheNodeType: string;
  readonly appInstanceType: string;
  readonly appMinCapacity: number;
  readonly appMaxCapacity: number;
  /** Id of `com.amazonaws.global.cloudfront.origin-facing` in `region` (differs per region). */
  readonly cloudFrontPrefixListId: string;
  /** Public host name of the site; empty means the CloudFront default domain. */
  readonly domainName: string;
  /** Regional ACM certificate for the ALB (CloudFront reaches the ALB over HTTPS). */
  readonly albCertificateArn: string;
  /**
   * `parley:INSECURE_plainHttpOrigin`: CloudFront reaches the ALB over plain HTTP. Only for a trial
   * without a domain; synth refuses to run without a certificate unless this is literally `true`.
   */
  readonly insecurePlainHttpOrigin: boolean;
  /** ACM certificate in us-east-1 for CloudFront; needed with `domainName`. */
  readonly cloudFrontCertificateArn: string;
  /** Directory (relative to infra/) with the packaged app, see scripts/package-app.ts. */
  readonly appBundleDir: string;
  /** Directory (relative to infra/) with the built single-page app. */
  readonly siteDir: string;
  /** Version id of the origin-verify secret to use; bump it to roll a new value (docs/operations.md). */
  readonly originVerifyVersionId: string;
  /** SMTP server URL (smtp:// or smtps://), credentials excluded. */
  readonly smtpUrl: string;
  readonly smtpFrom: string;
  readonly siteRateLimit: number;
  readonly authRateLimit: number;
  /** Address subscribed to the alarm and event topics; empty leaves them without subscribers (warning). */
  readonly alarmEmail: string;
  /** Monthly AWS Budget in USD; the budget alarms at 80 % actual and 100 % forecast. */
  readonly monthlyBudgetUsd: number;
  /** Region AWS Backup copies every recovery point to; empty keeps backups in the app region only. */
  readonly backupCopyRegion: string;
  /** Target of the request-count scaling policy: ALB requests per instance per minute. */
  readonly requestsPerInstancePerMinute: number;
  /** Target of the WebSocket scaling policy: average open WebSockets per instance. */
  readonly wsConnectionsPerInstance: number;
  /** WAF blocked requests in 5 minutes above which the WAF alarm fires. */
  readonly wafBlockedRequestsAlarm: number;
}

const ACCOUNT = /^\d{12}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
const ARN = /^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[A-Za-z0-9-]+$/;
const EMAIL = /^[^@\s'"]+@[^@\s'"]+\.[a-z]{2,}$/i;

/** The loud opt-in for CloudFront → ALB over plain HTTP (trial without a domain only). */
export const INSECURE_HTTP_ORIGIN_KEY = 'parley:INSECURE_plainHttpOrigin';

/** Reads `parley:*` context keys; throws one error listing every bad value. */
export function readConfig(node: Node): ParleyConfig {
  const problems: string[] = [];
  const raw = (key: string): unknown => node.tryGetContext(`parley:${key}`);
  const str = (key: string, pattern?: RegExp, optional = false): string => {
    const value = raw(key);
    if (typeof value !== 'string' || (!optional && value === '')) {
      problems.push(`parley:${key} must be a non-empty string`);
      return '';
    }
    if (value !== '' && pattern && !pattern.test(value))
      problems.push(`parley:${key} is malformed: ${value}`);
    return value;
  };
  const int = (key: string, min: number): number => {
    const value = Number(raw(key));
    if (!Number.isInteger(value) || value < min) problems.push(`parley:${key} must be an integer >= ${min}`);
    return value;
  };
  const flag = (key: string): boolean => {
    const value = raw(key);
    if (value === undefined || value === false || value === 'false') return false;
    if (value === true || value === 'true') return true;
    problems.push(`parley:${key} must be true or false`);
    return false;
  };
  const azsRaw = raw('availabilityZones');
  const availabilityZones =
    typeof azsRaw === 'string' ? azsRaw.split(',') : Array.isArray(azsRaw) ? azsRaw.map(String) : [];
  if (availabilityZones.length < 2) problems.push('parley:availabilityZones must list at least two AZs');

  const config: ParleyConfig = {
    account: str('account', ACCOUNT),
    region: str('region', REGION),
    availabilityZones,
    natGateways: int('natGateways', 1),
    mysqlFullVersion: str('mysqlFullVersion', /^9\.7\.\d+$/),
    dbInstanceClass: str('dbInstanceClass', /^(r8g|r7g)\.[a-z0-9]+$/),
    dbAllocatedStorageGiB: int('dbAllocatedStorageGiB', 20),
    cacheNodeType: str('cacheNodeType', /^cache\.[a-z0-9]+\.[a-z0-9]+$/),
    appInstanceType: str('appInstanceType', /^[a-z]+\d+g[a-z]*\.[a-z0-9]+$/),
    appMinCapacity: int('appMinCapacity', 2),
    appMaxCapacity: int('appMaxCapacity', 2),
    cloudFrontPrefixListId: str('cloudFrontPrefixListId', /^pl-[0-9a-f]+$/),
    domainName: str('domainName', /^[a-z0-9.-]+\.[a-z]{2,}$/, true),
    albCertificateArn: str('albCertificateArn', ARN, true),
    insecurePlainHttpOrigin: flag('INSECURE_plainHttpOrigin'),
    cloudFrontCertificateArn: str('cloudFrontCertificateArn', ARN, true),
    appBundleDir: str('appBundleDir'),
    siteDir: str('siteDir'),
    originVerifyVersionId: str('originVerifyVersionId', /^[A-Za-z0-9-]{32,64}$/, true),
    smtpUrl: str('smtpUrl', /^smtps?:\/\/[a-z0-9.-]+:\d+$/),
    smtpFrom: str('smtpFrom', /^[^\n'"]{3,200}$/),
    siteRateLimit: int('siteRateLimit', 10),
    authRateLimit: int('authRateLimit', 10),
    alarmEmail: str('alarmEmail', EMAIL, true),
    monthlyBudgetUsd: int('monthlyBudgetUsd', 1),
    backupCopyRegion: str('backupCopyRegion', REGION, true),
    requestsPerInstancePerMinute: int('requestsPerInstancePerMinute', 1),
    wsConnectionsPerInstance: int('wsConnectionsPerInstance', 1),
    wafBlockedRequestsAlarm: int('wafBlockedRequestsAlarm', 1),
  };
  for (const az of availabilityZones) {
    if (!az.startsWith(config.region))
      problems.push(`parley:availabilityZones: ${az} is not in ${config.region}`);
  }
  if (config.appMaxCapacity < config.appMinCapacity) problems.push('parley:appMaxCapacity < appMinCapacity');
  if (config.domainName !== '' && config.cloudFrontCertificateArn === '') {
    problems.push('parley:cloudFrontCertificateArn is required with parley:domainName');
  }
  if (config.cloudFrontCertificateArn !== '' && !config.cloudFrontCertificateArn.includes(':us-east-1:')) {
    problems.push('parley:cloudFrontCertificateArn must be in us-east-1 (CloudFront requirement)');
  }
  if (config.albCertificateArn !== '' && config.domainName === '') {
    // CloudFront validates the origin certificate against the forwarded Host header, i.e. domainName.
    problems.push('parley:albCertificateArn needs parley:domainName (the certificate must cover it)');
  }
  if (config.albCertificateArn === '' && !config.insecurePlainHttpOrigin) {
    problems.push(
      'CloudFront reaches the ALB over HTTPS: set parley:domainName, parley:albCertificateArn and ' +
        `parley:cloudFrontCertificateArn, or, for a trial without a domain only, -c ${INSECURE_HTTP_ORIGIN_KEY}=true`,
    );
  }
  if (config.albCertificateArn !== '' && config.insecurePlainHttpOrigin) {
    problems.push(`${INSECURE_HTTP_ORIGIN_KEY} contradicts parley:albCertificateArn: remove one`);
  }
  if (config.backupCopyRegion !== '' && config.backupCopyRegion === config.region) {
    problems.push(
      'parley:backupCopyRegion must differ from parley:region (it is the disaster-recovery copy)',
    );
  }
  if (problems.length > 0) throw new Error(`Invalid CDK context:\n  ${problems.join('\n  ')}`);
  return config;
}

/** True when the ALB terminates TLS (CloudFront → ALB over HTTPS): always, unless the insecure flag is set. */
export function httpsEnabled(config: ParleyConfig): boolean {
  return config.albCertificateArn !== '';
}
