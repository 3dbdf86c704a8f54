import type { TestProject } from 'vitest/node';
import { type MariaDbServer, startMariaDb } from '../../../scripts/services/mariadb.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Admin URL of the MariaDB shared by this run; each test file makes its own database on it. */
    mariadbAdminUrl: string;
  }
}

/** Starts one MariaDB for the whole run (or uses TEST_DATABASE_URL) and stops it at the end. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const existing = process.env.TEST_DATABASE_URL;
  let server: MariaDbServer | undefined;
  if (existing) {
    project.provide('mariadbAdminUrl', existing);
  } else {
    server = await startMariaDb();
    project.provide('mariadbAdminUrl', server.adminUrl);
  }
  return async () => {
    await server?.stop();
  };
}
