// Prints one plain closing line, "N passed, N failed, N skipped", from vitest's JSON report, and fails
// when no test ran at all (an empty run must never look green).
import { readFileSync } from 'node:fs';

const report = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const passed = report.numPassedTests;
const failed = report.numFailedTests;
const skipped = report.numPendingTests + report.numTodoTests;
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
if (passed === 0 || failed > 0) process.exit(1);
if (process.env.CI && skipped > 0) {
  console.error('Tests were skipped in CI: every test must run.');
  process.exit(1);
}
