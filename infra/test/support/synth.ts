import { mkdtempSync, readFileSync } from 'node:fs';
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

/** Production-like context: a domain with certificates, so the ALB terminates TLS. */
export const HTTPS_CONTEXT = {
  'parley:domainName': 'chat.example.com',
  'parley:albCertificateArn':
    'arn:aws:acm:eu-west-1:111111111111:certificate/11111111-2222-3333-4444-555555555555',
  'parley:cloudFrontCertificateArn':
    'arn:aws:acm:us-east-1:111111111111:certificate/66666666-7777-8888-9999-000000000000',
};

export interface Synthesized {
  app: App;
  stacks: ParleyStacks;
  templates: Record<keyof ParleyStacks, Template>;
  outdir: string;
}

const cache = new Map<string, Synthesized>();

/** Synthesizes the whole app (with the packaged-app fixtures) and the nag packs; once per context per file. */
export function synthParley(overrides: Record<string, unknown> = {}): Synthesized {
  const key = JSON.stringify(overrides);
  const cached = cache.get(key);
  if (cached) return cached;
  const outdir = mkdtempSync(path.join(tmpdir(), 'parley-cdk-'));
  const app = new App({
    outdir,
    context: {
      ...cdkJsonContext(),
      'parley:appBundleDir': 'test/fixtures/app-bundle',
      'parley:siteDir': 'test/fixtures/site',
      ...overrides,
    },
  });
  const stacks = buildParley(app);
  applyNag(app, stacks);
  const templates = Object.fromEntries(
    Object.entries(stacks).map(([name, stack]) => [name, Template.fromStack(stack)]),
  ) as Record<keyof ParleyStacks, Template>;
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
