import type { Migration } from 'kysely';
import * as m0001 from './0001-users.js';
import * as m0002 from './0002-auth.js';
import * as m0003 from './0003-messaging.js';
import * as m0004 from './0004-registrations.js';
import * as m0005 from './0005-scale.js';
import * as m0007 from './0007-uploads.js';
import * as m0008 from './0008-smaller.js';
import * as m0009 from './0009-mfa.js';
import * as m0010 from './0010-account-notices.js';
import * as m0012 from './0012-reactions.js';
import * as m0013 from './0013-convbugs.js';
import * as m0014 from './0014-search.js';
import * as m0015 from './0015-passkeys.js';
import * as m0016 from './0016-find-notify.js';
import * as m0017 from './0017-notify.js';
import * as m0018 from './0018-groups.js';

/**
 * Every migration, in order. Listed in code rather than read from a folder so the bundled bootstrap
 * Lambda and the compiled server carry the same set. Forward-only: there are no `down` steps.
 */
export const migrations: Readonly<Record<string, Migration>> = Object.freeze({
  '0001-users': m0001,
  '0002-auth': m0002,
  '0003-messaging': m0003,
  '0004-registrations': m0004,
  '0005-scale': m0005,
  '0007-uploads': m0007,
  '0008-smaller': m0008,
  '0009-mfa': m0009,
  '0010-account-notices': m0010,
  '0012-reactions': m0012,
  '0013-convbugs': m0013,
  '0014-search': m0014,
  '0015-passkeys': m0015,
  '0016-find-notify': m0016,
  '0017-notify': m0017,
  '0018-groups': m0018,
});
