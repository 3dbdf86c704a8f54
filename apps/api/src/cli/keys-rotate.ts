import { loadConfig } from '../config.js';
import { createLocalKeyringSource, rotateLocalKeyrings } from '../platform/secrets/local-keyring.source.js';
import { TOKEN_PURPOSES } from '../platform/tokens/token.types.js';

/**
 * `npm run keys:rotate`: adds a new signing key to each local keyring (`<DATA_DIR>/secrets.json`) and
 * retires keys whose tokens have all expired. A running server picks the change up on its next
 * token operation. Prints key ids only (they are public), never key material.
 */
try {
  const config = loadConfig();
  if (config.secrets.source === 'aws') {
    throw new Error(
      'SECRETS_SOURCE=aws: keyrings rotate in Secrets Manager (every 30 days, or "aws secretsmanager rotate-secret")',
    );
  }
  const file = config.secrets.file;
  await rotateLocalKeyrings(file);
  const source = createLocalKeyringSource({ file });
  for (const purpose of TOKEN_PURPOSES) {
    const { keys } = await source.get(purpose);
    process.stdout.write(`${purpose}: signing with ${keys.at(-1)?.kid}; ${keys.length} key(s) in keyring\n`);
  }
  source.close();
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
