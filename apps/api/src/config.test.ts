import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  return [];
}

describe('loadConfig', () => {
  it('runs on embedded defaults with no environment at all', () => {
    const config = loadConfig({});
    expect(config.port).toBe(8080);
    expect(config.host).toBe('localhost');
    expect(config.publicUrl.href).toBe('http://localhost:8080/');
    expect(config.dataDir).toBe(path.resolve('data'));
    expect(config.database).toEqual({
      kind: 'sqlite',
      url: `sqlite:${path.resolve('data', 'parley.db')}`,
      adminUrl: undefined,
      tlsCaFile: undefined,
      secretId: undefined,
      name: 'parley',
    });
    expect(config.corsOrigins).toEqual([]);
    expect(config.trustProxy).toBe(false);
    expect(config.logLevel).toBe('info');
  });

  it('derives the default public URL from PORT and puts the database under DATA_DIR', () => {
    const config = loadConfig({ PORT: '9090', DATA_DIR: '/tmp/parley-x' });
    expect(config.publicUrl.href).toBe('http://localhost:9090/');
    expect(config.database.url).toBe('sqlite:/tmp/parley-x/parley.db');
  });

  it('reads every documented variable', () => {
    const config = loadConfig({
      PORT: '3000',
      HOST: '0.0.0.0',
      PUBLIC_URL: 'https://chat.example.com',
      DATABASE_URL: 'mysql://app:pw@db.internal:3306/parley',
      DATABASE_ADMIN_URL: 'mysql://admin:pw@db.internal:3306/',
      DATABASE_TLS_CA: '/etc/ssl/rds.pem',
      CORS_ORIGINS: 'https://a.example.com, https://b.example.com:8443',
      TRUST_PROXY: '10.0.0.0/16,10.1.0.0/16',
      LOG_LEVEL: 'warn',
    });
    expect(config.database.kind).toBe('mysql');
    expect(config.database.tlsCaFile).toBe('/etc/ssl/rds.pem');
    expect(config.corsOrigins).toEqual(['https://a.example.com', 'https://b.example.com:8443']);
    expect(config.trustProxy).toEqual(['10.0.0.0/16', '10.1.0.0/16']);
    expect(config.publicUrl.origin).toBe('https://chat.example.com');
  });

  it.each([
    ['true', true],
    ['false', false],
    ['2', 2],
  ])('parses TRUST_PROXY=%s', (value, expected) => {
    expect(loadConfig({ TRUST_PROXY: value }).trustProxy).toEqual(expected);
  });

  it('names every bad variable at once', () => {
    const found = problems({
      PORT: 'eighty',
      PUBLIC_URL: 'ftp://x',
      DATABASE_URL: 'postgres://x',
      CORS_ORIGINS: 'https://ok.example.com,*',
      TRUST_PROXY: 'sometimes',
      LOG_LEVEL: 'loud',
      HTTP_BODY_LIMIT: '-1',
    });
    const names = found.map((problem) => problem.split(':')[0]);
    expect(names).toEqual(
      expect.arrayContaining([
        'PORT',
        'PUBLIC_URL',
        'DATABASE_URL',
        'CORS_ORIGINS',
        'TRUST_PROXY',
        'LOG_LEVEL',
        'HTTP_BODY_LIMIT',
      ]),
    );
  });

  it('rejects a CORS origin with a path and combinations that make no sense', () => {
    expect(problems({ CORS_ORIGINS: 'https://a.example.com/app' })[0]).toMatch(
      /^CORS_ORIGINS: .*not an origin/,
    );
    expect(problems({ DATABASE_ADMIN_URL: 'mysql://root@x/' })).toEqual([
      'DATABASE_ADMIN_URL: only used with a mysql:// DATABASE_URL',
    ]);
    expect(problems({ DATABASE_URL: 'mysql://app:pw@db:3306/' })[0]).toMatch(
      /^DATABASE_URL: must name the database/,
    );
  });

  it('requires the secret ids and an SMTP server with SECRETS_SOURCE=aws', () => {
    expect(
      problems({ SECRETS_SOURCE: 'aws' })
        .map((p) => p.split(':')[0])
        .sort(),
    ).toEqual(['SECRET_ID_ACTIVE_SESSION', 'SECRET_ID_PASSWORD_RESET', 'SECRET_ID_VERIFY_EMAIL', 'SMTP_URL']);
  });

  it('reads the WebSocket heartbeat, session token lifetime and bus probe interval, within bounds', () => {
    const defaults = loadConfig({});
    expect([defaults.wsHeartbeatMs, defaults.sessionTokenTtlSeconds, defaults.busProbeMs]).toEqual([
      25_000, 86_400, 5_000,
    ]);
    const set = loadConfig({
      WS_HEARTBEAT_MS: '1000',
      SESSION_TOKEN_TTL_SECONDS: '3600',
      BUS_PROBE_MS: '250',
    });
    expect([set.wsHeartbeatMs, set.sessionTokenTtlSeconds, set.busProbeMs]).toEqual([1000, 3600, 250]);
    // No token may outlive 24 h: key retention is computed from that bound.
    const names = problems({
      WS_HEARTBEAT_MS: '0',
      SESSION_TOKEN_TTL_SECONDS: '86401',
      BUS_PROBE_MS: 'often',
    }).map((problem) => problem.split(':')[0]);
    expect(names.sort()).toEqual(['BUS_PROBE_MS', 'SESSION_TOKEN_TTL_SECONDS', 'WS_HEARTBEAT_MS']);
  });

  it('is deeply frozen', () => {
    const config = loadConfig({ CORS_ORIGINS: 'https://a.example.com' });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.database)).toBe(true);
    expect(() => (config.corsOrigins as string[]).push('https://evil.example')).toThrow(TypeError);
  });
});
