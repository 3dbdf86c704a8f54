import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: ['packages/contract', 'apps/api', 'apps/web', 'infra', 'e2e'],
    // Two cores on CI: two files at a time keeps MariaDB, argon2 and Chromium from starving each other.
    maxWorkers: 2,
  },
});
