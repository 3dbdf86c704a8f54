import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'infra',
    root: import.meta.dirname,
    include: ['test/**/*.test.ts'],
    // Synthesizing the whole app (with esbuild bundling) takes a few seconds per file on 2 cores.
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
});
