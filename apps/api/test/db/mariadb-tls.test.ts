import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { createConnection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MariaDbServer, startMariaDb } from '../../../../scripts/services/mariadb.js';
import { makeTlsFiles } from '../../../../scripts/services/tls.js';
import { createMysqlKysely } from '../../src/db/database.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';

describe('MariaDB with require_secure_transport=ON', () => {
  let server: MariaDbServer;
  let testDb: TestDatabase;

  beforeAll(async () => {
    server = await startMariaDb({ tls: true });
    testDb = await createTestDatabase('mariadb', {
      adminUrl: server.adminUrl,
      env: { DATABASE_TLS_CA: server.caFile as string },
    });
  });
  afterAll(async () => {
    await testDb?.cleanup();
    await server?.stop();
  });

  it('the app connects as its user over verified TLS', async () => {
    const { rows } = await sql<{
      Variable_name: string;
      Value: string;
    }>`show session status like 'Ssl_cipher'`.execute(testDb.database.db);
    expect(rows[0]?.Value).toMatch(/^TLS|AES|CHACHA/);
    const who = await sql<{ u: string }>`select current_user() as u`.execute(testDb.database.db);
    expect(who.rows[0]?.u).toMatch(/^app_/);
  });

  it('a plain connection is refused by the server, while the same credentials over TLS get in', async () => {
    // MariaDB 10.11 reports the refusal as access denied; MySQL says "insecure transport prohibited".
    await expect(createConnection({ uri: server.adminUrl })).rejects.toMatchObject({
      code: expect.stringMatching(/^(ER_ACCESS_DENIED_ERROR|ER_SECURE_TRANSPORT_REQUIRED)$/),
    });
    await expect(createConnection({ uri: testDb.config.database.url })).rejects.toThrow();
    const tls = await createConnection({
      uri: server.adminUrl,
      ssl: { ca: readPem(server.caFile as string) },
    });
    await tls.end();
  });

  it('a server certificate from another CA is rejected by the app', async () => {
    const otherCa = makeTlsFiles(mkdtempSync(path.join(tmpdir(), 'parley-ca-'))).caCert;
    const db = createMysqlKysely({ uri: testDb.config.database.url, ssl: { ca: readPem(otherCa) } });
    await expect(sql`select 1`.execute(db)).rejects.toThrow(/certificate|self.signed|verify/i);
    await db.destroy();
  });

  it('the app user itself requires SSL', async () => {
    const admin = await createConnection({
      uri: server.adminUrl,
      ssl: { ca: readPem(server.caFile as string) },
    });
    const user = decodeURIComponent(new URL(testDb.config.database.url).username);
    const [rows] = await admin.query('SHOW CREATE USER ??@??', [user, '%']);
    await admin.end();
    expect(JSON.stringify(rows)).toContain('REQUIRE SSL');
  });
});

function readPem(file: string): string {
  return readFileSync(file, 'utf8');
}
