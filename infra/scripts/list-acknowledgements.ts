// Prints the acknowledged cdk-nag findings of both configurations as nag-acknowledgements.json expects.
// Review the diff before committing: every new line is a finding someone accepted.
import { collectAcknowledgements } from '../test/support/acknowledgements.js';
import { HTTPS_CONTEXT, PLAIN_HTTP_CONTEXT, synthParley } from '../test/support/synth.js';

const union = new Map<string, ReturnType<typeof collectAcknowledgements>[number]>();
for (const context of [HTTPS_CONTEXT, PLAIN_HTTP_CONTEXT]) {
  for (const entry of collectAcknowledgements(synthParley(context).stacks)) {
    union.set(`${entry.path}|${entry.id}|${entry.appliesTo.join(',')}`, entry);
  }
}
const list = [...union.values()].sort((a, b) => `${a.path}|${a.id}`.localeCompare(`${b.path}|${b.id}`));
process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
