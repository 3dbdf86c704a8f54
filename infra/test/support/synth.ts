import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { applyNag } from '../../lib/nag.js';
import { buildParley, type ParleyStacks } from '../../lib/parley-app.js';

export const INFRA_ROOT = path.resolve(import.meta.dirname, '../..');

/** Context of cdk.json (feature flags and defaults), so tests synthesize what `cdk synth` does. */
export function cdkJsonContext(): Record<string, unknown> {
  return JSON.parse(readFileSync(path.join(INFRA_ROOT, 'cdk.json'), 'utf8')).context;
}

/**
 * Production-like context: a domain with certificates (CloudFront → ALB over HTTPS), an alarm address
 * and a backup copy region.
 */
export const HTTPS_CONTEXT = {
  'parley:domainName': 'chat.example.com',
  'parley:albCertificateArn':
    'arn:aws:acm:eu-west-1:111111111111:certificate/11111111-2222-3333-4444-555555555555',
  'parley:cloudFrontCertificateArn':
    'arn:aws:acm:us-east-1:111111111111:certificate/66666666-7777-8888-9999-000000000000',
  'parley:alarmEmail': 'oncall@example.com',
  'parley:backupCopyRegion': 'eu-central-1',
};

/** The trial configuration: no domain, CloudFront → ALB over plain HTTP by explicit opt-in. */
export const PLAIN_HTTP_CONTEXT = { 'parley:INSECURE_plainHttpOrigin': true };

export interface Synthesized {
  app: App;
  stacks: ParleyStacks;
  templates: Record<Exclude<keyof ParleyStacks, 'backupCopy'>, Template> & { backupCopy?: Template };
  outdir: string;
}

let appBundleFixture: string | undefined;

/**
 * A packaged app as scripts/package-app.ts leaves it (compiled entry point, production node_modules,
 * RDS CA bundle, manifest), tiny, made once per process: the synthesized app ships it as its asset.
 */
export function fixtureAppBundle(): string {
  if (appBundleFixture) return appBundleFixture;
  const dir = mkdtempSync(path.join(tmpdir(), 'parley-app-bundle-'));
  const files: Record<string, string> = {
    'apps/api/dist/main.js': "console.log('fixture');\n",
    'node_modules/fastify/package.json': '{"name":"fastify","version":"0.0.0-fixture"}\n',
    'rds-ca.pem': '-----BEGIN CERTIFICATE-----\nfixture\n-----END CERTIFICATE-----\n',
    'parley-bundle.json': `${JSON.stringify({ platform: 'linux-arm64', productionDependencies: true })}\n`,
  };
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), content);
  }
  appBundleFixture = dir;
  return dir;
}

const cache = new Map<string, Synthesized>();

/** Synthesizes the whole app (with the packaged-app fixtures) and the nag packs; once per context per file. */
export function synthParley(overrides: Record<string, unknown> = HTTPS_CONTEXT): Synthesized {
  const key = JSON.stringify(overrides);
  const cached = cache.get(key);
  if (cached) return cached;
  const outdir = mkdtempSync(path.join(tmpdir(), 'parley-cdk-'));
  const app = new App({
    outdir,
    context: {
      ...cdkJsonContext(),
      'parley:appBundleDir': fixtureAppBundle(),
      'parley:siteDir': 'test/fixtures/site',
      ...overrides,
    },
  });
  const stacks = buildParley(app);
  applyNag(app, stacks);
  const templates = Object.fromEntries(
    Object.entries(stacks).map(([name, stack]) => [name, Template.fromStack(stack)]),
  ) as Synthesized['templates'];
  app.synth();
  const result = { app, stacks, templates, outdir };
  cache.set(key, result);
  return result;
}

/** All resources of `type` in a template as [logicalId, properties]. */
export function resourcesOf(template: Template, type: string): [string, Record<string, unknown>][] {
  return Object.entries(template.findResources(type)).map(([id, resource]) => [
    id,
    (resource as { Properties?: Record<string, unknown> }).Properties ?? {},
  ]);
}

export interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource?: unknown;
  Principal?: unknown;
  Condition?: unknown;
}

/** Statements of the first `type` resource (IAM or bucket policy) whose logical id starts with `idPrefix`. */
export function statementsOf(template: Template, type: string, idPrefix: string): Statement[] {
  const found = resourcesOf(template, type).find(([id]) => id.startsWith(idPrefix));
  if (!found) throw new Error(`no ${type} starting with ${idPrefix}`);
  return (found[1].PolicyDocument as { Statement: Statement[] }).Statement;
}
