export const TOKEN_PURPOSES = ['active_session', 'verify_email_session', 'password_reset_session'] as const;
export type TokenPurpose = (typeof TOKEN_PURPOSES)[number];

/** One signing key in a keyring secret. Newest LAST in the array. */
export interface KeyringKey {
  /** PASERK `k4.pid.…` of the key's public half; the token footer names it. */
  kid: string;
  /** PASERK `k4.secret.…` (Ed25519 seed followed by the public key). */
  secretKey: string;
  /** ISO 8601. */
  createdAt: string;
}

export interface KeyringData {
  keys: KeyringKey[];
}

export interface VerifiedToken {
  sub: string;
  jti: string;
  iat: Date;
  exp: Date;
  kid: string;
  claims: Readonly<Record<string, unknown>>;
}

export interface IssueOptions {
  subject: string;
  jti: string;
  ttlSeconds: number;
  /** extra public claims, e.g. sid */
  claims?: Record<string, string | number>;
}

export interface IssuedToken {
  token: string;
  expiresAt: Date;
  kid: string;
}

export interface TokenService {
  issue(purpose: TokenPurpose, options: IssueOptions): Promise<IssuedToken>;
  /** Throws InvalidTokenError for anything but a valid, unexpired token of exactly this purpose. */
  verify(purpose: TokenPurpose, token: string): Promise<VerifiedToken>;
  /** Whether the purpose's current keyring still holds this key (no forced reload). */
  hasKey(purpose: TokenPurpose, kid: string): Promise<boolean>;
  /**
   * Called when keys disappear from a keyring between two loads this service made (a rotation retired
   * them, or an operator removed a compromised one); returns an unsubscribe.
   */
  onKeysRetired(listener: (purpose: TokenPurpose, kids: readonly string[]) => void): () => void;
}

export interface KeyringSource {
  /** Current keyring data for a purpose (cached by the source as it sees fit). */
  get(purpose: TokenPurpose): Promise<KeyringData>;
  /** Forces a reload (called once when a token carries an unknown kid); sources may rate-limit this. */
  refresh(purpose: TokenPurpose): Promise<KeyringData>;
  /** Stops timers. */
  close(): void;
}
