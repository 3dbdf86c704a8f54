import { defineProject } from 'vitest/config';

// Unit tests of the web app's pure modules (reducers, merge, outbox) in Node: no browser, no React.
export default defineProject({
  resolve: { conditions: ['parley-source'] },
  ssr: { resolve: { conditions: ['parley-source'] } },
  test: { name: 'web', environment: 'node', include: ['test/**/*.test.ts'] },
});
