import { App } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { readConfig } from '../lib/config.js';
import { cdkJsonContext, HTTPS_CONTEXT } from './support/synth.js';

const configOf = (overrides: Record<string, unknown>) =>
  readConfig(new App({ context: { ...cdkJsonContext(), ...overrides } }).node);

describe('CDK context', () => {
  it('defaults to a dummy account and HTTP-only mode, offline', () => {
    const config = configOf({});
    expect(config.account).toBe('111111111111');
    expect(config.albCertificateArn).toBe('');
    expect(config.mysqlFullVersion).toMatch(/^9\.7\./);
    expect(config.dbInstanceClass).toMatch(/^r[78]g\./);
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
