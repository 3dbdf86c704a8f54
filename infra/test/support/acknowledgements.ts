import { CfnResource, type Stack } from 'aws-cdk-lib';
import type { ParleyStacks } from '../../lib/parley-app.js';

export interface Acknowledgement {
  path: string;
  id: string;
  reason: string;
  appliesTo: string[];
}

interface RawSuppression {
  id: string;
  reason: string;
  applies_to?: (string | { regex: string })[];
  /** cdk-nag base64-encodes reasons with non-Latin-1 characters and sets this flag. */
  is_reason_encoded?: boolean;
}

/** The reason as a reviewer reads it (decoded when cdk-nag stored it base64). */
export function readableReason(rule: RawSuppression): string {
  return rule.is_reason_encoded ? Buffer.from(rule.reason, 'base64').toString('utf8') : rule.reason;
}

/** Suppressions whose reason cdk-nag had to encode (they must not exist: reasons are plain ASCII). */
export function encodedReasons(stacks: ParleyStacks): string[] {
  const out: string[] = [];
  for (const stack of Object.values(stacks) as Stack[]) {
    for (const node of stack.node.findAll()) {
      if (!(node instanceof CfnResource)) continue;
      const metadata = node.getMetadata('cdk_nag') as { rules_to_suppress?: RawSuppression[] } | undefined;
      for (const rule of metadata?.rules_to_suppress ?? []) {
        if (rule.is_reason_encoded) out.push(`${node.node.path} ${rule.id}`);
      }
    }
  }
  return out;
}

/** Every cdk-nag acknowledgement recorded on the resources (metadata `cdk_nag.rules_to_suppress`). */
export function collectAcknowledgements(stacks: ParleyStacks): Acknowledgement[] {
  const out: Acknowledgement[] = [];
  for (const stack of Object.values(stacks) as Stack[]) {
    for (const node of stack.node.findAll()) {
      if (!(node instanceof CfnResource)) continue;
      const metadata = node.getMetadata('cdk_nag') as { rules_to_suppress?: RawSuppression[] } | undefined;
      for (const rule of metadata?.rules_to_suppress ?? []) {
        out.push({
          path: node.node.path,
          id: rule.id,
          reason: readableReason(rule),
          appliesTo: (rule.applies_to ?? []).map((item) =>
            typeof item === 'string' ? item : `regex:${item.regex}`,
          ),
        });
      }
    }
  }
  return out;
}
