import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import type { SecretsManagerRotationEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { generateKeyringKey } from '../../apps/api/src/platform/tokens/paserk.js';
import { type KeyringData, parseKeyringData } from '../lambda/keyring-rotation/api-keyring.js';
import { createHandler } from '../lambda/keyring-rotation/handler.js';

const SECRET = 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:parley/keyring/active_session-AbCdEf';
const NOW = new Date('2026-06-01T00:00:00.000Z');

/** Secrets Manager's version/stage bookkeeping for one secret, behind aws-sdk-client-mock. */
class FakeSecret {
  values = new Map<string, string>();
  stages = new Map<string, string[]>();
  rotationEnabled = true;

  constructor(current: KeyringData) {
    this.values.set('v1', JSON.stringify(current));
    this.stages.set('v1', ['AWSCURRENT']);
  }

  /** What RotateSecret does before calling the function: reserve the token as AWSPENDING. */
  startRotation(token: string): void {
    this.stages.set(token, ['AWSPENDING']);
  }

  versionWith(stage: string): string | undefined {
    return [...this.stages].find(([, stages]) => stages.includes(stage))?.[0];
  }

  install(mock: ReturnType<typeof mockClient>): void {
    mock.on(DescribeSecretCommand).callsFake(() => ({
      RotationEnabled: this.rotationEnabled,
      VersionIdsToStages: Object.fromEntries(this.stages),
    }));
    mock.on(GetSecretValueCommand).callsFake((input: { VersionId?: string; VersionStage?: string }) => {
      const id = input.VersionId ?? this.versionWith(input.VersionStage ?? 'AWSCURRENT');
      const value = id ? this.values.get(id) : undefined;
      if (
        !id ||
        value === undefined ||
        (input.VersionStage && !this.stages.get(id)?.includes(input.VersionStage))
      ) {
        throw new ResourceNotFoundException({ message: 'not found', $metadata: {} });
      }
      return { VersionId: id, SecretString: value };
    });
    mock
      .on(PutSecretValueCommand)
      .callsFake((input: { ClientRequestToken: string; SecretString: string }) => {
        this.values.set(input.ClientRequestToken, input.SecretString);
        this.stages.set(input.ClientRequestToken, ['AWSPENDING']);
        return {};
      });
    mock
      .on(UpdateSecretVersionStageCommand)
      .callsFake((input: { MoveToVersionId: string; RemoveFromVersionId?: string }) => {
        for (const [id, stages] of this.stages) {
          this.stages.set(
            id,
            stages.filter((s) => s !== 'AWSPREVIOUS'),
          );
        }
        if (input.RemoveFromVersionId) this.stages.set(input.RemoveFromVersionId, ['AWSPREVIOUS']);
        this.stages.set(input.MoveToVersionId, ['AWSCURRENT']);
        return {};
      });
  }
}

const smMock = mockClient(SecretsManagerClient);
const event = (step: string, token = 'v2'): SecretsManagerRotationEvent => ({
  Step: step as SecretsManagerRotationEvent['Step'],
  SecretId: SECRET,
  ClientRequestToken: token,
});

let fake: FakeSecret;
/** A stored version as the API would load it. */
const pendingOf = (version: string) =>
  parseKeyringData(JSON.parse(fake.values.get(version) ?? 'null'), version);
let previous: KeyringData['keys'][number];
let handler: ReturnType<typeof createHandler>;

beforeEach(() => {
  smMock.reset();
  previous = generateKeyringKey(new Date('2026-05-02T00:00:00.000Z'));
  fake = new FakeSecret({ keys: [previous] });
  fake.install(smMock);
  fake.startRotation('v2');
  handler = createHandler({ client: new SecretsManagerClient({ region: 'eu-west-1' }), now: () => NOW });
});

describe('keyring rotation function', () => {
  it('createSecret puts AWSPENDING = previous key + a new key appended last', async () => {
    await handler(event('createSecret'));
    const pending = pendingOf('v2');
    expect(pending.keys).toHaveLength(2);
    expect(pending.keys[0]).toEqual(previous);
    expect(pending.keys[1]?.createdAt).toBe(NOW.toISOString());
    expect(pending.keys[1]?.kid).not.toBe(previous.kid);
    expect(smMock.commandCalls(PutSecretValueCommand)[0]?.args[0].input).toMatchObject({
      SecretId: SECRET,
      ClientRequestToken: 'v2',
      VersionStages: ['AWSPENDING'],
    });
  });

  it('a retried createSecret does not mint a second key', async () => {
    await handler(event('createSecret'));
    const first = fake.values.get('v2');
    await handler(event('createSecret'));
    expect(fake.values.get('v2')).toBe(first);
    expect(smMock.commandCalls(PutSecretValueCommand)).toHaveLength(1);
  });

  it('setSecret changes nothing (no external system holds the keyring)', async () => {
    await handler(event('createSecret'));
    smMock.resetHistory();
    await handler(event('setSecret'));
    expect(smMock.commandCalls(PutSecretValueCommand)).toHaveLength(0);
    expect(smMock.commandCalls(UpdateSecretVersionStageCommand)).toHaveLength(0);
  });

  it('testSecret passes for a good pending keyring and fails for a broken one', async () => {
    await handler(event('createSecret'));
    await expect(handler(event('testSecret'))).resolves.toBeUndefined();

    const broken = pendingOf('v2');
    const other = generateKeyringKey(NOW);
    broken.keys[1] = { ...(broken.keys[1] as KeyringData['keys'][number]), kid: other.kid };
    fake.values.set('v2', JSON.stringify(broken));
    await expect(handler(event('testSecret'))).rejects.toThrow(/kid does not match secretKey/);
    // A failed test leaves AWSCURRENT where it was.
    expect(fake.versionWith('AWSCURRENT')).toBe('v1');
  });

  it('finishSecret moves AWSCURRENT to the new version and AWSPREVIOUS to the old one', async () => {
    for (const step of ['createSecret', 'setSecret', 'testSecret', 'finishSecret'])
      await handler(event(step));
    expect(fake.stages.get('v2')).toEqual(['AWSCURRENT']);
    expect(fake.stages.get('v1')).toEqual(['AWSPREVIOUS']);
    expect(smMock.commandCalls(UpdateSecretVersionStageCommand)[0]?.args[0].input).toEqual({
      SecretId: SECRET,
      VersionStage: 'AWSCURRENT',
      MoveToVersionId: 'v2',
      RemoveFromVersionId: 'v1',
    });
  });

  it('a retried finishSecret after success is a no-op', async () => {
    for (const step of ['createSecret', 'testSecret', 'finishSecret']) await handler(event(step));
    smMock.resetHistory();
    await handler(event('finishSecret'));
    expect(smMock.commandCalls(UpdateSecretVersionStageCommand)).toHaveLength(0);
  });

  it('drops keys too old to verify any live token at the next rotation', async () => {
    for (const step of ['createSecret', 'testSecret', 'finishSecret']) await handler(event(step));
    const later = new Date(NOW.getTime() + 30 * 86_400_000);
    fake.startRotation('v3');
    const next = createHandler({
      client: new SecretsManagerClient({ region: 'eu-west-1' }),
      now: () => later,
    });
    for (const step of ['createSecret', 'testSecret', 'finishSecret']) await next(event(step, 'v3'));
    const current = pendingOf('v3');
    // `previous` (60 days old) is gone; the key from the last rotation and the new one remain.
    expect(current.keys.map((k) => k.createdAt)).toEqual([NOW.toISOString(), later.toISOString()]);
  });

  it('mints the first key from the empty keyring the stack creates', async () => {
    fake.values.set('v1', '{"keys":[]}');
    for (const step of ['createSecret', 'testSecret', 'finishSecret']) await handler(event(step));
    const current = pendingOf('v2');
    expect(current.keys).toHaveLength(1);
    expect(current.keys[0]?.createdAt).toBe(NOW.toISOString());
  });

  it('keeps a key whose successor signed for less than a token lifetime (an off-schedule rotation)', async () => {
    // `stale` is older than interval + lifetime (47 d > 31 d), but a late rotation superseded it only an
    // hour ago, so tokens it signed just before are still alive. `oldest` was superseded 47 days ago.
    const oldest = generateKeyringKey(new Date('2026-03-01T00:00:00.000Z'));
    const stale = generateKeyringKey(new Date('2026-04-15T00:00:00.000Z'));
    const late = generateKeyringKey(new Date(NOW.getTime() - 3_600_000));
    fake.values.set('v1', JSON.stringify({ keys: [oldest, stale, late] }));
    await handler(event('createSecret'));
    const kids = pendingOf('v2').keys.map((k) => k.kid);
    expect(kids).toHaveLength(3);
    expect(kids.slice(0, 2)).toEqual([stale.kid, late.kid]);
  });

  it('testSecret refuses an empty ring, a duplicate kid or a damaged key, without echoing key material', async () => {
    const other = generateKeyringKey(NOW);
    const damaged = { ...other, secretKey: `${other.secretKey.slice(0, -2)}AA` };
    for (const [keys, reason] of [
      [[], /keys/],
      [[other, other], /duplicate kid/],
      [[damaged], /secretKey/],
    ] as const) {
      fake.values.set('v2', JSON.stringify({ keys }));
      const error = await handler(event('testSecret')).catch((caught: unknown) => caught);
      expect(String(error)).toMatch(reason);
      expect(String(error)).not.toContain(other.secretKey.slice(10, 40));
    }
    expect(fake.versionWith('AWSCURRENT')).toBe('v1');
  });

  it('refuses tokens that are not pending, unknown steps and secrets with rotation disabled', async () => {
    await expect(handler(event('createSecret', 'nope'))).rejects.toThrow(/has no stage/);
    fake.stages.set('v9', []);
    await expect(handler(event('createSecret', 'v9'))).rejects.toThrow(/not AWSPENDING/);
    await expect(handler(event('dropTables'))).rejects.toThrow(/unknown rotation step/);
    fake.rotationEnabled = false;
    await expect(handler(event('createSecret'))).rejects.toThrow(/rotation disabled/);
  });
});
