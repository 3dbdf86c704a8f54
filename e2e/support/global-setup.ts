import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Builds the SPA once, as `npm start` does. Each test file then starts its own SMTP capture and server
 * (`support/stack.ts`): the capture holds live objects vitest cannot pass from here to the test workers,
 * and a fresh server per file keeps rate limits and data from leaking between files.
 */
export default function setup(): void {
  // vitest sets NODE_ENV=test, which would make Vite bundle React's development build.
  execFileSync('npm', ['run', 'build', '-w', '@parley/web'], {
    cwd: root,
    stdio: 'ignore',
    env: { ...process.env, NODE_ENV: 'production' },
  });
}
