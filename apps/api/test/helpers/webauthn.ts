import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto';

/**
 * A software WebAuthn authenticator for API tests: it makes real "none" attestations and ES256
 * assertions (node:crypto P-256 keys, CBOR by hand) exactly as a browser would hand them to the API,
 * so `@simplewebauthn/server` checks them for real. Counters, user verification and the origin can be
 * set per call to produce the responses the server must refuse.
 */

type CborValue = number | string | Uint8Array | Map<CborValue, CborValue> | CborValue[];

function cborHead(major: number, length: number): Buffer {
  if (length < 24) return Buffer.from([(major << 5) | length]);
  if (length < 0x100) return Buffer.from([(major << 5) | 24, length]);
  if (length < 0x10000) {
    const b = Buffer.alloc(3);
    b[0] = (major << 5) | 25;
    b.writeUInt16BE(length, 1);
    return b;
  }
  const b = Buffer.alloc(5);
  b[0] = (major << 5) | 26;
  b.writeUInt32BE(length, 1);
  return b;
}

export function cbor(value: CborValue): Buffer {
  if (typeof value === 'number') return value >= 0 ? cborHead(0, value) : cborHead(1, -1 - value);
  if (typeof value === 'string') {
    const bytes = Buffer.from(value, 'utf8');
    return Buffer.concat([cborHead(3, bytes.length), bytes]);
  }
  if (value instanceof Uint8Array) return Buffer.concat([cborHead(2, value.length), value]);
  if (Array.isArray(value)) return Buffer.concat([cborHead(4, value.length), ...value.map(cbor)]);
  const parts: Buffer[] = [cborHead(5, value.size)];
  for (const [k, v] of value) parts.push(cbor(k), cbor(v));
  return Buffer.concat(parts);
}

const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest();
const b64url = (data: Uint8Array) => Buffer.from(data).toString('base64url');

export interface SoftCredential {
  id: string;
  privateKey: KeyObject;
  cosePublicKey: Buffer;
  userHandle: string;
  counter: number;
}

interface CeremonyOptions {
  /** Whether the authenticator says it verified the user (PIN, biometrics). Default true. */
  userVerified?: boolean;
  /** The origin the browser puts in clientDataJSON. Default: the authenticator's. */
  origin?: string;
  /** Answer this challenge instead of the one in the options. */
  challenge?: string;
}

export class SoftAuthenticator {
  readonly credentials = new Map<string, SoftCredential>();

  constructor(
    readonly origin: string,
    readonly rpId: string,
  ) {}

  #authData(flags: number, counter: number, attested?: Buffer): Buffer {
    const count = Buffer.alloc(4);
    count.writeUInt32BE(counter >>> 0, 0);
    return Buffer.concat([sha256(this.rpId), Buffer.from([flags]), count, ...(attested ? [attested] : [])]);
  }

  #clientData(type: string, challenge: string, origin: string): Buffer {
    return Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false }), 'utf8');
  }

  /** navigator.credentials.create(): a new discoverable ES256 credential, "none" attestation. */
  create(
    options: { challenge: string; user: { id: string } },
    ceremony: CeremonyOptions & { counter?: number } = {},
  ) {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = publicKey.export({ format: 'jwk' });
    const cose = cbor(
      new Map<CborValue, CborValue>([
        [1, 2],
        [3, -7],
        [-1, 1],
        [-2, Buffer.from(jwk.x as string, 'base64url')],
        [-3, Buffer.from(jwk.y as string, 'base64url')],
      ]),
    );
    const credentialId = randomBytes(32);
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(credentialId.length, 0);
    const attested = Buffer.concat([Buffer.alloc(16), idLength, credentialId, cose]);
    const counter = ceremony.counter ?? 0;
    // UP, UV (unless told otherwise), AT.
    const flags = 0x01 | (ceremony.userVerified === false ? 0 : 0x04) | 0x40;
    const authData = this.#authData(flags, counter, attested);
    const attestationObject = cbor(
      new Map<CborValue, CborValue>([
        ['fmt', 'none'],
        ['attStmt', new Map()],
        ['authData', authData],
      ]),
    );
    const id = b64url(credentialId);
    this.credentials.set(id, {
      id,
      privateKey,
      cosePublicKey: cose,
      userHandle: options.user.id,
      counter,
    });
    return {
      id,
      rawId: id,
      type: 'public-key' as const,
      response: {
        clientDataJSON: b64url(
          this.#clientData(
            'webauthn.create',
            ceremony.challenge ?? options.challenge,
            ceremony.origin ?? this.origin,
          ),
        ),
        attestationObject: b64url(attestationObject),
        transports: ['internal'],
      },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform' as const,
    };
  }

  /**
   * navigator.credentials.get(): an assertion by `credentialId` (default: the only or first one). The
   * counter goes up by one each time unless `counter` says what to report.
   */
  get(
    options: { challenge: string },
    ceremony: CeremonyOptions & { credentialId?: string; counter?: number } = {},
  ) {
    const credential = ceremony.credentialId
      ? this.credentials.get(ceremony.credentialId)
      : [...this.credentials.values()][0];
    if (!credential) throw new Error('no credential on this authenticator');
    const counter = ceremony.counter ?? credential.counter + 1;
    credential.counter = counter;
    const flags = 0x01 | (ceremony.userVerified === false ? 0 : 0x04);
    const authData = this.#authData(flags, counter);
    const clientData = this.#clientData(
      'webauthn.get',
      ceremony.challenge ?? options.challenge,
      ceremony.origin ?? this.origin,
    );
    const signature = sign('sha256', Buffer.concat([authData, sha256(clientData)]), credential.privateKey);
    return {
      id: credential.id,
      rawId: credential.id,
      type: 'public-key' as const,
      response: {
        clientDataJSON: b64url(clientData),
        authenticatorData: b64url(authData),
        signature: b64url(signature),
        userHandle: credential.userHandle,
      },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform' as const,
    };
  }
}
