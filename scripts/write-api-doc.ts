/**
 * `npm run docs:api`: builds the app (over a throw-away SQLite database, nothing listening), takes the
 * OpenAPI document it generates from its routes' zod schemas, and rewrites the generated blocks of
 * docs/api.md (scripts/api-doc.ts). Prose outside the blocks is kept as written.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer } from '../apps/api/src/composition.js';
import { loadConfig } from '../apps/api/src/config.js';
import { type OpenApiDocument, renderApiBlocks, updateApiDoc } from './api-doc.js';

const file = fileURLToPath(new URL('../docs/api.md', import.meta.url));
const dataDir = mkdtempSync(path.join(tmpdir(), 'parley-api-doc-'));
try {
  const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent' });
  const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
  // The same composition root as `npm start`; closing the app closes its database and adapters.
  const { app } = await createServer({ config, platformLog: quiet });
  try {
    await app.ready();
    const before = readFileSync(file, 'utf8');
    const after = updateApiDoc(before, renderApiBlocks(app.swagger() as unknown as OpenApiDocument));
    writeFileSync(file, after);
    process.stdout.write(`docs/api.md ${after === before ? 'was up to date' : 'updated'}\n`);
  } finally {
    await app.close();
  }
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
