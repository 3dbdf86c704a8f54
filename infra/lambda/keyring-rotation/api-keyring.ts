// The rotation mints, retains and checks keys with the very code the API signs and verifies with (PASERK,
// keyring schema, retention rule, token purposes): one source of truth, imported across the workspace so
// esbuild bundles it into this Lambda.
import {
  KEY_ROTATION_INTERVAL_MS,
  MAX_TOKEN_TTL_SECONDS,
} from '../../../apps/api/src/platform/tokens/keyring.js';

export {
  assertKeyringSigns,
  CLOCK_TOLERANCE_SECONDS,
  parseKeyringData,
  rotateKeyring,
} from '../../../apps/api/src/platform/tokens/keyring.js';
export {
  type KeyringData,
  type KeyringKey,
  TOKEN_PURPOSES,
  type TokenPurpose,
} from '../../../apps/api/src/platform/tokens/token.types.js';

/** The API's schedule as this function's defaults: a new key every 30 days, tokens living at most 24 h. */
export const DEFAULT_ROTATION_INTERVAL_DAYS = KEY_ROTATION_INTERVAL_MS / 86_400_000;
export const DEFAULT_MAX_TOKEN_LIFETIME_HOURS = MAX_TOKEN_TTL_SECONDS / 3600;
