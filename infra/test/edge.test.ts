import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { HTTPS_CONTEXT, resourcesOf, type Synthesized, synthParley } from './support/synth.js';

const CACHING_DISABLED = '4135ea2d-6df8-44a3-9df3-4b5a84be39ad';
const ALL_VIEWER = '216adef6-5c7f-47e4-b989-5492eafa07d3';

interface Behavior {
  PathPattern?: string;
  CachePolicyId: string;
  OriginRequestPolicyId?: string;
  AllowedMethods?: string[];
  FunctionAssociations?: unknown[];
  ResponseHeadersPolicyId?: unknown;
  TargetOriginId: string;
}

let synth: Synthesized;
let config: Record<string, unknown>;
beforeAll(() => {
  synth = synthParley(HTTPS_CONTEXT);
  const [[, dist]] = resourcesOf(synth.templates.edge, 'AWS::CloudFront::Distribution') as [
    [string, Record<string, unknown>],
  ];
  config = dist.DistributionConfig as Record<string, unknown>;
});

describe('CloudFront distribution', () => {
  it('serves the SPA from its own bucket through origin access control, with a default root object', () => {
    expect(config.DefaultRootObject).toBe('index.html');
    const origins = config.Origins as Record<string, unknown>[];
    const s3 = origins.find((o) => o.S3OriginConfig);
    expect(s3?.OriginAccessControlId).toBeDefined();
    expect(JSON.stringify(s3?.DomainName)).toMatch(/SiteBucket/);
    synth.templates.edge.hasResourceProperties('AWS::CloudFront::OriginAccessControl', {
      OriginAccessControlConfig: Match.objectLike({
        OriginAccessControlOriginType: 's3',
        SigningBehavior: 'always',
      }),
    });
  });

  it('falls back to index.html with a viewer-request function on the SPA behaviour only', () => {
    const defaults = config.DefaultCacheBehavior as Behavior;
    expect(defaults.FunctionAssociations).toHaveLength(1);
    expect(JSON.stringify(defaults.FunctionAssociations)).toMatch(
      /"EventType":"viewer-request".*SiteSpaRewrite/,
    );
    for (const behavior of config.CacheBehaviors as Behavior[])
      expect(behavior.FunctionAssociations).toBeUndefined();
    // Custom error responses would also rewrite the API's own 403/404 answers.
    expect(config.CustomErrorResponses).toBeUndefined();
  });

  it('sends /api/ws and /api/* to the ALB uncached, with all viewer headers and all methods (WebSockets work)', () => {
    const behaviors = config.CacheBehaviors as Behavior[];
    expect(behaviors.map((b) => b.PathPattern)).toEqual(['/api/ws', '/api/*']);
    const albOrigin = (config.Origins as Record<string, unknown>[]).find((o) => o.CustomOriginConfig);
    for (const behavior of behaviors) {
      expect(behavior.CachePolicyId).toBe(CACHING_DISABLED);
      expect(behavior.OriginRequestPolicyId).toBe(ALL_VIEWER);
      expect(behavior.AllowedMethods).toHaveLength(7);
      expect(behavior.TargetOriginId).toBe(albOrigin?.Id);
    }
    expect(albOrigin?.CustomOriginConfig).toMatchObject({
      OriginProtocolPolicy: 'https-only',
      OriginSSLProtocols: ['TLSv1.2'],
    });
    expect(JSON.stringify(albOrigin?.OriginCustomHeaders)).toMatch(/X-Origin-Verify.*resolve:secretsmanager/);
  });

  it('applies a security-headers response policy everywhere', () => {
    synth.templates.edge.hasResourceProperties('AWS::CloudFront::ResponseHeadersPolicy', {
      ResponseHeadersPolicyConfig: Match.objectLike({
        SecurityHeadersConfig: Match.objectLike({
          StrictTransportSecurity: Match.objectLike({
            AccessControlMaxAgeSec: 63072000,
            IncludeSubdomains: true,
          }),
          ContentTypeOptions: { Override: true },
          FrameOptions: { FrameOption: 'DENY', Override: true },
          ContentSecurityPolicy: Match.objectLike({
            ContentSecurityPolicy: Match.stringLikeRegexp("frame-ancestors 'none'"),
          }),
        }),
      }),
    });
    const all = [config.DefaultCacheBehavior as Behavior, ...(config.CacheBehaviors as Behavior[])];
    for (const behavior of all) expect(behavior.ResponseHeadersPolicyId).toBeDefined();
  });

  it('logs, uses the custom domain with TLS 1.2+ and is protected by the us-east-1 web ACL', () => {
    expect(config.Logging).toMatchObject({ Prefix: 'cloudfront/' });
    expect(config.Aliases).toEqual(['chat.example.com']);
    expect(config.ViewerCertificate).toMatchObject({
      MinimumProtocolVersion: 'TLSv1.2_2021',
      SslSupportMethod: 'sni-only',
    });
    expect(JSON.stringify(config.WebACLId)).toMatch(/"Region":"us-east-1"/);
    expect(JSON.stringify(config.WebACLId)).toMatch(/Parley-Waf/);
  });

  it('deploys the built SPA into the site bucket and invalidates the distribution', () => {
    synth.templates.edge.hasResourceProperties('Custom::CDKBucketDeployment', {
      DestinationBucketName: { Ref: Match.stringLikeRegexp('^SiteBucket') },
      DistributionPaths: ['/*'],
    });
  });
});

describe('WAF web ACL', () => {
  let rules: Record<string, Record<string, unknown>>;
  beforeAll(() => {
    const [[, acl]] = resourcesOf(synth.templates.waf, 'AWS::WAFv2::WebACL') as [
      [string, Record<string, unknown>],
    ];
    rules = Object.fromEntries((acl.Rules as Record<string, unknown>[]).map((r) => [r.Name as string, r]));
  });

  it('is a CLOUDFRONT-scope ACL in us-east-1 that allows by default and blocks on its rules', () => {
    expect(synth.stacks.waf.region).toBe('us-east-1');
    synth.templates.waf.hasResourceProperties('AWS::WAFv2::WebACL', {
      Scope: 'CLOUDFRONT',
      DefaultAction: { Allow: {} },
    });
  });

  it('runs the AWS managed groups Common, KnownBadInputs, SQLi and IP reputation in block mode', () => {
    for (const name of [
      'AWSManagedRulesCommonRuleSet',
      'AWSManagedRulesKnownBadInputsRuleSet',
      'AWSManagedRulesSQLiRuleSet',
      'AWSManagedRulesAmazonIpReputationList',
    ]) {
      expect(rules[name]?.OverrideAction, name).toEqual({ None: {} });
      expect(rules[name]?.Statement).toMatchObject({
        ManagedRuleGroupStatement: { VendorName: 'AWS', Name: name },
      });
    }
    // The only counted rule is the 8 KB body rule, re-blocked below except for uploads.
    const counted = JSON.stringify(Object.values(rules)).match(/"Count":\{\}/g) ?? [];
    expect(counted).toHaveLength(1);
    expect(rules.AWSManagedRulesCommonRuleSet?.Statement).toMatchObject({
      ManagedRuleGroupStatement: {
        RuleActionOverrides: [{ Name: 'SizeRestrictions_BODY', ActionToUse: { Count: {} } }],
      },
    });
  });

  it('blocks oversize bodies everywhere except POST /api/attachments', () => {
    const rule = rules.OversizeBodyExceptUploads;
    expect(rule?.Action).toEqual({ Block: {} });
    const json = JSON.stringify(rule?.Statement);
    expect(json).toContain('"Key":"awswaf:managed:aws:core-rule-set:SizeRestrictions_Body"');
    expect(json).toMatch(/"NotStatement":\{"Statement":\{"AndStatement"/);
    expect(json).toContain('"SearchString":"POST"');
    expect(json).toContain('"SearchString":"/api/attachments"');
    const priority = (name: string) => Number(rules[name]?.Priority);
    expect(priority('OversizeBodyExceptUploads')).toBeGreaterThan(priority('AWSManagedRulesCommonRuleSet'));
  });

  it('rate-limits the whole site and, more strictly, /api/auth/*', () => {
    const site = rules.RateLimitSite?.Statement as {
      RateBasedStatement: { Limit: number; AggregateKeyType: string };
    };
    const auth = rules.RateLimitAuth?.Statement as {
      RateBasedStatement: { Limit: number; ScopeDownStatement: unknown };
    };
    expect(rules.RateLimitSite?.Action).toEqual({ Block: {} });
    expect(rules.RateLimitAuth?.Action).toEqual({ Block: {} });
    expect(site.RateBasedStatement.AggregateKeyType).toBe('IP');
    expect(auth.RateBasedStatement.Limit).toBeLessThan(site.RateBasedStatement.Limit);
    expect(auth.RateBasedStatement.ScopeDownStatement).toMatchObject({
      ByteMatchStatement: {
        SearchString: '/api/auth/',
        PositionalConstraint: 'STARTS_WITH',
        FieldToMatch: { UriPath: {} },
      },
    });
  });

  it('logs to an aws-waf-logs-* log group with cookies and authorization redacted', () => {
    synth.templates.waf.hasResourceProperties('AWS::WAFv2::LoggingConfiguration', {
      LogDestinationConfigs: [
        {
          'Fn::Join': [
            '',
            ['arn:aws:logs:us-east-1:111111111111:log-group:', { Ref: Match.stringLikeRegexp('^Logs') }],
          ],
        },
      ],
      RedactedFields: [{ SingleHeader: { Name: 'cookie' } }, { SingleHeader: { Name: 'authorization' } }],
    });
    synth.templates.waf.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: 'aws-waf-logs-parley' });
  });
});
