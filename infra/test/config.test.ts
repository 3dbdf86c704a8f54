import { App } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { readConfig } from '../lib/config.js';
import { cdkJsonContext, HTTPS_CONTEXT, PLAIN_HTTP_CONTEXT } from './support/synth.js';

const configOf = (overrides: Record<string, unknown>) =>
  readConfig(new App({ context: { ...cdkJsonContext(), ...overrides } }).node);

describe('CDK context', () => {
  it('refuses to synthesize CloudFront -> ALB over plain HTTP unless explicitly, loudly asked to', () => {
    expect(() => configOf({})).toThrow(
      /CloudFront reaches the ALB over HTTPS: set parley:domainName, parley:albCertificateArn.*parley:INSECURE_plainHttpOrigin=true/,
    );
    for (const notTrue of ['yes', 1, 'TRUE']) {
      expect(() => configOf({ 'parley:INSECURE_plainHttpOrigin': notTrue })).toThrow(/must be true or false/);
    }
    const trial = configOf(PLAIN_HTTP_CONTEXT);
    expect(trial.insecurePlainHttpOrigin).toBe(true);
    expect(trial.albCertificateArn).toBe('');
    expect(configOf({ 'parley:INSECURE_plainHttpOrigin': 'true' }).insecurePlainHttpOrigin).toBe(true);
    expect(() => configOf({ ...HTTPS_CONTEXT, ...PLAIN_HTTP_CONTEXT })).toThrow(/contradicts/);
  });

  it('defaults to a dummy account, offline, with operations defaults from cdk.json', () => {
    const config = configOf(PLAIN_HTTP_CONTEXT);
    expect(config.account).toBe('111111111111');
    expect(config.mysqlFullVersion).toMatch(/^9\.7\./);
    expect(config.dbInstanceClass).toMatch(/^r[78]g\./);
    expect(config).toMatchObject({
      alarmEmail: '',
      backupCopyRegion: '',
      monthlyBudgetUsd: 1000,
      requestsPerInstancePerMinute: 3000,
      wsConnectionsPerInstance: 2000,
      wafBlockedRequestsAlarm: 1000,
    });
  });

  it('validates the alarm address and the backup copy region', () => {
    expect(() => configOf({ ...HTTPS_CONTEXT, 'parley:alarmEmail': 'not an address' })).toThrow(/alarmEmail/);
    expect(() => configOf({ ...HTTPS_CONTEXT, 'parley:backupCopyRegion': 'eu-west-1' })).toThrow(
      /backupCopyRegion must differ/,
    );
    expect(() => configOf({ ...HTTPS_CONTEXT, 'parley:backupCopyRegion': 'mars' })).toThrow(
      /backupCopyRegion/,
    );
    expect(configOf(HTTPS_CONTEXT)).toMatchObject({
      alarmEmail: 'oncall@example.com',
      backupCopyRegion: 'eu-central-1',
    });
  });

  it('accepts the HTTPS configuration', () => {
    expect(configOf(HTTPS_CONTEXT).domainName).toBe('chat.example.com');
  });

  it('lists every bad value at once', () => {
    expect(() =>
      configOf({
        'parley:account': '123',
        'parley:dbInstanceClass': 'm5.large',
        'parley:mysqlFullVersion': '8.4.3',
        'parley:appMinCapacity': 1,
        'parley:availabilityZones': ['eu-west-1a'],
      }),
    ).toThrow(/account[\s\S]*mysqlFullVersion[\s\S]*dbInstanceClass[\s\S]*appMinCapacity|availabilityZones/);
  });

  it('refuses a CloudFront certificate outside us-east-1 and an ALB certificate without a domain', () => {
    expect(() =>
      configOf({
        ...HTTPS_CONTEXT,
        'parley:cloudFrontCertificateArn': HTTPS_CONTEXT['parley:albCertificateArn'],
      }),
    ).toThrow(/us-east-1/);
    expect(() => configOf({ 'parley:albCertificateArn': HTTPS_CONTEXT['parley:albCertificateArn'] })).toThrow(
      /needs parley:domainName/,
    );
  });
});
