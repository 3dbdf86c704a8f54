import { type App, Aspects } from 'aws-cdk-lib';
import { AwsSolutionsChecks, NIST80053R5Checks } from 'cdk-nag';
import { acknowledgeFindings } from './nag-acknowledgements.js';
import type { ParleyStacks } from './parley-app.js';

/** Runs cdk-nag's AwsSolutions and NIST 800-53 rev 5 packs; unacknowledged findings fail synth. */
export function applyNag(app: App, stacks: ParleyStacks): void {
  acknowledgeFindings(stacks);
  Aspects.of(app).add(new AwsSolutionsChecks({ verbose: false }));
  Aspects.of(app).add(new NIST80053R5Checks({ verbose: false }));
}
