// The bootstrap runs exactly the SQL and migrations the API ships and tests against a real MariaDB:
// one source of truth, imported across the workspace so esbuild bundles it into this Lambda.
export { appUserStatements } from '../../../apps/api/src/db/app-user.js';
export { createMysqlKysely } from '../../../apps/api/src/db/database.js';
export { migrateToLatest } from '../../../apps/api/src/db/migrate.js';
