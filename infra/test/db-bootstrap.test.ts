import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { mysqlUri, readDbSecret } from '../lambda/db-bootstrap/db-secret.js';
import { handler } from '../lambda/db-bootstrap/handler.js';
import { schemaFingerprint } from '../lib/constructs/db-bootstrap.construct.js';

const smMock = mockClient(SecretsManagerClient);
beforeEach(() => smMock.reset());

describe('DB bootstrap Lambda', () => {
  it('reads the RDS secret JSON every time (rotation may have changed it)', async () => {
    smMock.on(GetSecretValueCommand, { SecretId: 'app' }).resolves({
      SecretString: JSON.stringify({
        username: 'parley_app_clone',
        password: 'p@ss:w/rd',
        host: 'db.internal',
        port: 3306,
      }),
    });
    const secret = await readDbSecret(new SecretsManagerClient({ region: 'eu-west-1' }), 'app');
    expect(secret).toEqual({
      username: 'parley_app_clone',
      password: 'p@ss:w/rd',
      host: 'db.internal',
      port: 3306,
    });
    expect(mysqlUri(secret, 'parley')).toBe(
      'mysql://parley_app_clone:p%40ss%3Aw%2Frd@db.internal:3306/parley',
    );
  });

  it('rejects a secret without credentials or host', async () => {
    smMock.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ username: 'x', host: 'h' }) });
    const client = new SecretsManagerClient({ region: 'eu-west-1' });
    await expect(readDbSecret(client, 'bad')).rejects.toThrow(/username\/password/);
    smMock
      .on(GetSecretValueCommand)
      .resolves({ SecretString: JSON.stringify({ username: 'x', password: 'y' }) });
    await expect(readDbSecret(client, 'bad')).rejects.toThrow(/host/);
  });

  it('never touches the database on stack deletion (data is retained)', async () => {
    const result = await handler({
      RequestType: 'Delete',
      ResourceProperties: { DatabaseName: 'parley' },
    } as unknown as CloudFormationCustomResourceEvent);
    expect(result).toEqual({ PhysicalResourceId: 'parley-db-bootstrap-parley' });
    expect(smMock.calls()).toHaveLength(0);
  });

  it('validates its properties before reading any secret', async () => {
    await expect(
      handler({
        RequestType: 'Create',
        ResourceProperties: { MasterSecretArn: 'm', AppUserSecretArn: 'a', DatabaseName: 'parley; DROP' },
      } as unknown as CloudFormationCustomResourceEvent),
    ).rejects.toThrow(/DatabaseName/);
    expect(smMock.calls()).toHaveLength(0);
  });

  it('re-runs when the API migrations or app-user SQL change (fingerprint of their sources)', () => {
    expect(schemaFingerprint()).toMatch(/^[0-9a-f]{16}$/);
    expect(schemaFingerprint()).toBe(schemaFingerprint());
  });
});
