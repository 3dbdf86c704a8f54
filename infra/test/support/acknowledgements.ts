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
          reason: rule.reason,
          appliesTo: (rule.applies_to ?? []).map((item) =>
            typeof item === 'string' ? item : `regex:${item.regex}`,
          ),
        });
      }
    }
  }
  return out;
}
