import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';

/** CRS label set when a body exceeds 8 KB (SizeRestrictions_BODY, which we count instead of block). */
export const OVERSIZE_BODY_LABEL = 'awswaf:managed:aws:core-rule-set:SizeRestrictions_Body';
export const UPLOAD_PATH = '/api/attachments';
export const AUTH_PATH_PREFIX = '/api/auth/';
/** Name of the web ACL; also its CloudWatch `WebACL` dimension. */
export const WEB_ACL_NAME = 'parley';

export interface WebAclProps {
  /**
   * Requests per IP per 5 minutes over the whole site before blocking.
   * @default 2000
   */
  readonly siteRateLimit?: number;
  /**
   * Requests per IP per 5 minutes to /api/auth/* (login, register, reset) before blocking.
   * @default 100
   */
  readonly authRateLimit?: number;
}

const visibility = (metricName: string): wafv2.CfnWebACL.VisibilityConfigProperty => ({
  cloudWatchMetricsEnabled: true,
  metricName,
  sampledRequestsEnabled: true,
});

const pathMatch = (
  value: string,
  positionalConstraint: 'EXACTLY' | 'STARTS_WITH',
): wafv2.CfnWebACL.StatementProperty => ({
  byteMatchStatement: {
    fieldToMatch: { uriPath: {} },
    positionalConstraint,
    searchString: value,
    textTransformations: [{ priority: 0, type: 'NONE' }],
  },
});

function managed(
  name: string,
  priority: number,
  ruleActionOverrides?: wafv2.CfnWebACL.RuleActionOverrideProperty[],
) {
  return {
    name,
    priority,
    // `none` keeps the group's own BLOCK actions: the ACL runs in block mode, not count.
    overrideAction: { none: {} },
    statement: {
      managedRuleGroupStatement: {
        vendorName: 'AWS',
        name,
        ...(ruleActionOverrides ? { ruleActionOverrides } : {}),
      },
    },
    visibilityConfig: visibility(name),
  } satisfies wafv2.CfnWebACL.RuleProperty;
}

/** WAF web ACL for CloudFront (scope CLOUDFRONT, so it must live in us-east-1). */
export class WebAcl extends Construct {
  readonly webAcl: wafv2.CfnWebACL;

  constructor(scope: Construct, id: string, props: WebAclProps = {}) {
    super(scope, id);
    const rules: wafv2.CfnWebACL.RuleProperty[] = [
      managed('AWSManagedRulesAmazonIpReputationList', 0),
      {
        name: 'RateLimitAuth',
        priority: 1,
        action: { block: {} },
        statement: {
          rateBasedStatement: {
            limit: props.authRateLimit ?? 100,
            aggregateKeyType: 'IP',
            evaluationWindowSec: 300,
            scopeDownStatement: pathMatch(AUTH_PATH_PREFIX, 'STARTS_WITH'),
          },
        },
        visibilityConfig: visibility('RateLimitAuth'),
      },
      {
        name: 'RateLimitSite',
        priority: 2,
        action: { block: {} },
        statement: {
          rateBasedStatement: {
            limit: props.siteRateLimit ?? 2000,
            aggregateKeyType: 'IP',
            evaluationWindowSec: 300,
          },
        },
        visibilityConfig: visibility('RateLimitSite'),
      },
      // The 8 KB body rule only counts (and labels) here; the next rule blocks, except for uploads.
      managed('AWSManagedRulesCommonRuleSet', 3, [
        { name: 'SizeRestrictions_BODY', actionToUse: { count: {} } },
      ]),
      {
        name: 'OversizeBodyExceptUploads',
        priority: 4,
        action: { block: {} },
        statement: {
          andStatement: {
            statements: [
              { labelMatchStatement: { scope: 'LABEL', key: OVERSIZE_BODY_LABEL } },
              {
                notStatement: {
                  statement: {
                    andStatement: {
                      statements: [
                        {
                          byteMatchStatement: {
                            fieldToMatch: { method: {} },
                            positionalConstraint: 'EXACTLY',
                            searchString: 'POST',
                            textTransformations: [{ priority: 0, type: 'NONE' }],
                          },
                        },
                        pathMatch(UPLOAD_PATH, 'EXACTLY'),
                      ],
                    },
                  },
                },
              },
            ],
          },
        },
        visibilityConfig: visibility('OversizeBodyExceptUploads'),
      },
      managed('AWSManagedRulesKnownBadInputsRuleSet', 5),
      managed('AWSManagedRulesSQLiRuleSet', 6),
    ];
    this.webAcl = new wafv2.CfnWebACL(this, 'WebAcl', {
      name: WEB_ACL_NAME,
      scope: 'CLOUDFRONT',
      defaultAction: { allow: {} },
      rules,
      // The metric name is the WebACL dimension of the web ACL's CloudWatch metrics (alarm in WafStack).
      visibilityConfig: visibility(WEB_ACL_NAME),
    });
  }
}
