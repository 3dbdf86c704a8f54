// The app user's privileges come from the same statements the bootstrap and `npm run migrate` run
// (apps/api/src/db/app-user.ts, tested against MariaDB): the rotation never invents its own grants.
export { APP_USER_PRIVILEGES, appUserStatements } from '../../../apps/api/src/db/app-user.js';
