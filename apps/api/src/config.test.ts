import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, ConfigError, loadConfig } from './config.js';

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
      SMTP_URL: 'smtps://mail.example.com:465',
      MAIL_NOTICE_INTERVAL_SECONDS: '7200',
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
    expect(config.smtpUrl).toBe('smtps://mail.example.com:465');
    expect(config.mailNoticeIntervalMs).toBe(7_200_000);
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

  it('reports a malformed variable and a combination that makes no sense together, in one error', () => {
    // Before, the schema threw first and the operator learnt of the missing secret ids on the next start.
    const found = problems({ PORT: 'eighty', SECRETS_SOURCE: 'aws', SMTP_URL: 'smtp://relay:587' });
    expect(found).toEqual([
      expect.stringMatching(/^PORT: /),
      'SECRET_ID_ACTIVE_SESSION: required when SECRETS_SOURCE=aws',
      'SECRET_ID_VERIFY_EMAIL: required when SECRETS_SOURCE=aws',
      'SECRET_ID_PASSWORD_RESET: required when SECRETS_SOURCE=aws',
      'SECRET_ID_MFA_ENCRYPTION: required when SECRETS_SOURCE=aws',
    ]);
    expect(
      problems({ LIMIT_TYPING: 'fast', BLOB_STORE: 's3://x?y', DATABASE_ADMIN_URL: 'mysql://root@x/' }),
    ).toEqual([
      'BLOB_STORE: an s3:// URL takes no query or fragment',
      expect.stringMatching(/^LIMIT_TYPING: /),
      'DATABASE_ADMIN_URL: only used with a mysql:// DATABASE_URL',
    ]);
  });

  it('checks a combination only when the variables it reads are valid, so no problem is a consequence of another', () => {
    // SECRETS_SOURCE is wrong: nothing is said about what SECRETS_SOURCE=aws would need.
    expect(
      problems({ SECRETS_SOURCE: 'cloud', DATABASE_SECRET_ID: 'db' }).map((p) => p.split(':')[0]),
    ).toEqual(['SECRETS_SOURCE']);
    // DATABASE_URL is wrong: whether it is SQLite (and the admin URL pointless) is not guessed.
    expect(
      problems({ DATABASE_URL: 'postgres://x', DATABASE_ADMIN_URL: 'mysql://root@x/' }).map(
        (p) => p.split(':')[0],
      ),
    ).toEqual(['DATABASE_URL']);
    // A rule that reads only valid variables still runs beside them.
    expect(
      problems({ DATABASE_URL: 'postgres://x', REDIS_AUTH_SECRET_ID: 'r' }).map((p) => p.split(':')[0]),
    ).toEqual(['DATABASE_URL', 'REDIS_AUTH_SECRET_ID']);
  });

  it('treats an empty value as unset for every variable but PWNED_PASSWORDS_URL (empty: off)', () => {
    expect(CONFIG_VARIABLES.length).toBeGreaterThan(60);
    const empty = Object.fromEntries(
      CONFIG_VARIABLES.filter((name) => name !== 'PWNED_PASSWORDS_URL').map((name) => [name, '']),
    );
    expect(loadConfig(empty)).toEqual(loadConfig({}));
  });

  it('checks new passwords against Pwned Passwords by default, a configured range API, or not at all', () => {
    expect(loadConfig({}).passwords).toEqual({
      pwnedPasswordsUrl: 'https://api.pwnedpasswords.com',
      pwnedPasswordsTimeoutMs: 1500,
    });
    expect(loadConfig({ PWNED_PASSWORDS_URL: '' }).passwords.pwnedPasswordsUrl).toBeUndefined();
    expect(
      loadConfig({ PWNED_PASSWORDS_URL: 'http://127.0.0.1:9999', PWNED_PASSWORDS_TIMEOUT: '300ms' })
        .passwords,
    ).toEqual({ pwnedPasswordsUrl: 'http://127.0.0.1:9999', pwnedPasswordsTimeoutMs: 300 });
    expect(problems({ PWNED_PASSWORDS_URL: 'ftp://x' })[0]).toMatch(/^PWNED_PASSWORDS_URL: /);
    expect(problems({ PWNED_PASSWORDS_TIMEOUT: '10ms' })[0]).toMatch(/^PWNED_PASSWORDS_TIMEOUT: /);
    expect(loadConfig({}).newDeviceWindowMs).toBe(90 * 24 * 3600 * 1000);
    expect(loadConfig({ NEW_DEVICE_WINDOW: '30d' }).newDeviceWindowMs).toBe(30 * 24 * 3600 * 1000);
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
    ).toEqual([
      'SECRET_ID_ACTIVE_SESSION',
      'SECRET_ID_MFA_ENCRYPTION',
      'SECRET_ID_PASSWORD_RESET',
      'SECRET_ID_VERIFY_EMAIL',
      'SMTP_URL',
    ]);
  });

  it('requires an SMTP server whenever PUBLIC_URL is https, so no link is ever logged in production', () => {
    expect(problems({ PUBLIC_URL: 'https://chat.example.com' })).toEqual([
      'SMTP_URL: required when PUBLIC_URL is https (the dev outbox would log every email link)',
    ]);
    expect(problems({ PUBLIC_URL: 'HTTPS://Chat.Example.com/app' }).map((p) => p.split(':')[0])).toEqual([
      'SMTP_URL',
    ]);
    expect(problems({ PUBLIC_URL: 'https://chat.example.com', SMTP_URL: 'smtp://relay:587' })).toEqual([]);
    // Plain http (a laptop) keeps the dev outbox.
    expect(loadConfig({ PUBLIC_URL: 'http://parley.test:8080' }).smtpUrl).toBeUndefined();
  });

  it('leaves a second factor optional unless REQUIRE_MFA=true, and gives passkey challenges 5 minutes', () => {
    expect(loadConfig({}).mfa).toMatchObject({ required: false, passkeyChallengeTtlMs: 300_000 });
    expect(loadConfig({ REQUIRE_MFA: 'true', PASSKEY_CHALLENGE_TTL: '2m' }).mfa).toMatchObject({
      required: true,
      passkeyChallengeTtlMs: 120_000,
    });
    expect(loadConfig({ REQUIRE_MFA: 'false' }).mfa.required).toBe(false);
    expect(
      problems({ REQUIRE_MFA: 'yes', PASSKEY_CHALLENGE_TTL: '1s' })
        .map((p) => p.split(':')[0])
        .sort(),
    ).toEqual(['PASSKEY_CHALLENGE_TTL', 'REQUIRE_MFA']);
  });

  it('sends at most one notice per address per hour unless MAIL_NOTICE_INTERVAL_SECONDS says otherwise', () => {
    expect(loadConfig({}).mailNoticeIntervalMs).toBe(3_600_000);
    expect(problems({ MAIL_NOTICE_INTERVAL_SECONDS: '0' }).map((p) => p.split(':')[0])).toEqual([
      'MAIL_NOTICE_INTERVAL_SECONDS',
    ]);
    expect(problems({ MAIL_NOTICE_INTERVAL_SECONDS: 'hourly' }).map((p) => p.split(':')[0])).toEqual([
      'MAIL_NOTICE_INTERVAL_SECONDS',
    ]);
  });

  it('reads the email-notification variables, with the documented defaults', () => {
    expect(loadConfig({}).notifyEmail).toEqual({
      delayMs: 600_000,
      repeatAfterMs: 3_600_000,
      intervalMs: 30_000,
      maxAgeMs: 24 * 3_600_000,
      unsubscribeLinkTtlMs: 90 * 24 * 3_600_000,
    });
    expect(
      loadConfig({
        NOTIFY_EMAIL_DELAY_SECONDS: '0',
        NOTIFY_EMAIL_REPEAT_AFTER: '30m',
        NOTIFY_EMAIL_INTERVAL: '500ms',
        NOTIFY_EMAIL_MAX_AGE: '7d',
        NOTIFY_UNSUBSCRIBE_LINK_TTL: '30d',
      }).notifyEmail,
    ).toEqual({
      delayMs: 0,
      repeatAfterMs: 1_800_000,
      intervalMs: 500,
      maxAgeMs: 7 * 24 * 3_600_000,
      unsubscribeLinkTtlMs: 30 * 24 * 3_600_000,
    });
    const found = problems({
      NOTIFY_EMAIL_DELAY_SECONDS: '10m',
      NOTIFY_EMAIL_REPEAT_AFTER: '5s',
      NOTIFY_EMAIL_INTERVAL: 'often',
      NOTIFY_EMAIL_MAX_AGE: '-1',
      NOTIFY_UNSUBSCRIBE_LINK_TTL: '10m',
    });
    expect(found.map((problem) => problem.split(':')[0]).sort()).toEqual([
      'NOTIFY_EMAIL_DELAY_SECONDS',
      'NOTIFY_EMAIL_INTERVAL',
      'NOTIFY_EMAIL_MAX_AGE',
      'NOTIFY_EMAIL_REPEAT_AFTER',
      'NOTIFY_UNSUBSCRIBE_LINK_TTL',
    ]);
  });

  it('caps conversations per user and group members, with defaults that allow a 1,000-member group', () => {
    const defaults = loadConfig({});
    expect(defaults.maxConversationsPerUser).toBe(10_000);
    expect(defaults.maxGroupMembers).toBe(1_000);
    const set = loadConfig({ MAX_CONVERSATIONS_PER_USER: '50', MAX_GROUP_MEMBERS: '20' });
    expect([set.maxConversationsPerUser, set.maxGroupMembers]).toEqual([50, 20]);
    expect(
      problems({ MAX_CONVERSATIONS_PER_USER: '0', MAX_GROUP_MEMBERS: 'many' }).map((p) => p.split(':')[0]),
    ).toEqual(['MAX_CONVERSATIONS_PER_USER', 'MAX_GROUP_MEMBERS']);
    expect(problems({ MAX_GROUP_MEMBERS: '1' })[0]).toMatch(/^MAX_GROUP_MEMBERS:/);
  });

  it('has a generous default for every limit and reads each LIMIT_* variable', () => {
    const defaults = loadConfig({}).limits;
    expect(defaults.rates.messages).toEqual({ count: 60, windowMs: 10_000 });
    expect(defaults.rates.loginAccountIp).toEqual({ count: 10, windowMs: 900_000 });
    expect(defaults.wsSocketsPerUser).toBe(20);
    expect(defaults.wsSocketsPerIp).toBe(200);
    const raised = loadConfig({
      LIMIT_MESSAGES: '100000/1s',
      LIMIT_WS_FRAMES: '5/2s',
      LIMIT_WS_SOCKETS_PER_IP: '5000',
      LIMIT_TYPING: '',
    }).limits;
    expect(raised.rates.messages).toEqual({ count: 100_000, windowMs: 1_000 });
    expect(raised.rates.wsFrames).toEqual({ count: 5, windowMs: 2_000 });
    expect(raised.rates.typing).toEqual(defaults.rates.typing);
    expect(raised.wsSocketsPerIp).toBe(5000);
    expect(Object.isFrozen(raised.rates.messages)).toBe(true);
  });

  it('names every malformed limit', () => {
    const found = problems({
      LIMIT_MESSAGES: '60 per 10s',
      LIMIT_LOOKUPS: '0/60s',
      LIMIT_WS_SOCKETS_PER_USER: '0',
    });
    expect(found.map((problem) => problem.split(':')[0]).sort()).toEqual([
      'LIMIT_LOOKUPS',
      'LIMIT_MESSAGES',
      'LIMIT_WS_SOCKETS_PER_USER',
    ]);
    expect(found.find((p) => p.startsWith('LIMIT_MESSAGES'))).toMatch(/<count>\/<seconds>s/);
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

  it('reads the presence grace period in seconds (default 15), within bounds', () => {
    expect(loadConfig({}).presenceGraceMs).toBe(15_000);
    expect(loadConfig({ PRESENCE_GRACE_SECONDS: '2.5' }).presenceGraceMs).toBe(2_500);
    expect(loadConfig({ PRESENCE_GRACE_SECONDS: '0' }).presenceGraceMs).toBe(0);
    for (const bad of ['-1', '3601', 'soon'])
      expect(problems({ PRESENCE_GRACE_SECONDS: bad }).map((p) => p.split(':')[0])).toEqual([
        'PRESENCE_GRACE_SECONDS',
      ]);
  });

  it('is deeply frozen', () => {
    const config = loadConfig({ CORS_ORIGINS: 'https://a.example.com' });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.database)).toBe(true);
    expect(() => (config.corsOrigins as string[]).push('https://evil.example')).toThrow(TypeError);
  });
  it('has upload limits and HTTP timeouts with documented defaults', () => {
    const config = loadConfig({});
    expect(config.limits.rates.uploads).toEqual({ count: 60, windowMs: 3_600_000 });
    expect(config.uploads).toEqual({
      bytes: { count: 500 * 1024 * 1024, windowMs: 3_600_000 },
      quotaBytes: 2 * 1024 ** 3,
      orphanTtlMs: 24 * 3_600_000,
      sweepIntervalMs: 600_000,
      idleTimeoutMs: 30_000,
      minBytesPerSecond: 1024,
    });
    expect(config.http).toEqual({
      connectionTimeoutMs: 120_000,
      requestTimeoutMs: 300_000,
      keepAliveTimeoutMs: 72_000,
      maxRequestsPerSocket: 0,
    });
  });

  it('reads upload limits as <count>/<seconds>s and durations with a unit or in seconds', () => {
    const config = loadConfig({
      LIMIT_UPLOADS: '5/60s',
      LIMIT_UPLOAD_BYTES: '1048576/10s',
      UPLOAD_QUOTA_BYTES: '0',
      UPLOAD_ORPHAN_TTL: '90m',
      UPLOAD_SWEEP_INTERVAL: '45',
      UPLOAD_IDLE_TIMEOUT: '250ms',
      HTTP_REQUEST_TIMEOUT: '2h',
      HTTP_MAX_REQUESTS_PER_SOCKET: '100',
    });
    expect(config.limits.rates.uploads).toEqual({ count: 5, windowMs: 60_000 });
    expect(config.uploads.bytes).toEqual({ count: 1_048_576, windowMs: 10_000 });
    expect(config.uploads.quotaBytes).toBe(0);
    expect(config.uploads.orphanTtlMs).toBe(90 * 60_000);
    expect(config.uploads.sweepIntervalMs).toBe(45_000);
    expect(config.uploads.idleTimeoutMs).toBe(250);
    expect(config.http.requestTimeoutMs).toBe(7_200_000);
    expect(config.http.maxRequestsPerSocket).toBe(100);
  });

  it('names every malformed limit and duration', () => {
    const found = problems({
      LIMIT_UPLOADS: '60 per hour',
      LIMIT_UPLOAD_BYTES: '0/3600s',
      UPLOAD_QUOTA_BYTES: '-1',
      UPLOAD_ORPHAN_TTL: '5s',
      UPLOAD_SWEEP_INTERVAL: 'often',
      UPLOAD_IDLE_TIMEOUT: '1 day',
      HTTP_CONNECTION_TIMEOUT: '0',
      HTTP_KEEP_ALIVE_TIMEOUT: '-5s',
    });
    expect(found.map((problem) => problem.split(':')[0]).sort()).toEqual([
      'HTTP_CONNECTION_TIMEOUT',
      'HTTP_KEEP_ALIVE_TIMEOUT',
      'LIMIT_UPLOADS',
      'LIMIT_UPLOAD_BYTES',
      'UPLOAD_IDLE_TIMEOUT',
      'UPLOAD_ORPHAN_TTL',
      'UPLOAD_QUOTA_BYTES',
      'UPLOAD_SWEEP_INTERVAL',
    ]);
  });

  it('reads the observability variables: metrics listener, log format, tracing', () => {
    const off = loadConfig({}, false);
    expect(off.metrics).toEqual({ port: undefined, host: '127.0.0.1' });
    expect(off.tracing).toEqual({ otlpEndpoint: undefined, serviceName: 'parley' });
    const on = loadConfig({
      METRICS_PORT: '9464',
      METRICS_HOST: '0.0.0.0',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      OTEL_SERVICE_NAME: 'parley-eu',
    });
    expect(on.metrics).toEqual({ port: 9464, host: '0.0.0.0' });
    expect(on.tracing.otlpEndpoint?.href).toBe('http://collector:4318/');
    expect(on.tracing.serviceName).toBe('parley-eu');
    const names = problems({
      METRICS_PORT: '0',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318',
      LOG_FORMAT: 'colour',
    }).map((problem) => problem.split(':')[0]);
    expect(names.sort()).toEqual(['LOG_FORMAT', 'METRICS_PORT', 'OTEL_EXPORTER_OTLP_ENDPOINT']);
    expect(problems({ PORT: '8080', METRICS_PORT: '8080' })).toEqual([
      'METRICS_PORT: must differ from PORT (metrics are never served on the public port)',
    ]);
  });

  it('logs pretty lines only to a person at a terminal, and JSON in production whatever the terminal', () => {
    expect(loadConfig({}, true).logFormat).toBe('pretty');
    expect(loadConfig({}, false).logFormat).toBe('json');
    expect(loadConfig({ LOG_FORMAT: 'json' }, true).logFormat).toBe('json');
    expect(loadConfig({ LOG_FORMAT: 'pretty' }, false).logFormat).toBe('pretty');
    const aws = {
      SECRETS_SOURCE: 'aws',
      SECRET_ID_ACTIVE_SESSION: 'a',
      SECRET_ID_VERIFY_EMAIL: 'b',
      SECRET_ID_PASSWORD_RESET: 'c',
      SECRET_ID_MFA_ENCRYPTION: 'd',
      SMTP_URL: 'smtp://mail:587',
    };
    expect(loadConfig(aws, true).logFormat).toBe('json');
    expect(problems({ ...aws, LOG_FORMAT: 'pretty' })).toEqual([
      'LOG_FORMAT: production (SECRETS_SOURCE=aws) logs JSON lines for CloudWatch',
    ]);
  });
});

describe("the README's configuration table", () => {
  it('is one table that lists every variable config.ts reads, and nothing else', () => {
    const readme = readFileSync(fileURLToPath(new URL('../../../README.md', import.meta.url)), 'utf8');
    const section = readme.slice(readme.indexOf('\n## Configuration\n'));
    const lines = section.slice(0, section.indexOf('\n## ', 1)).split('\n');
    const header = lines.findIndex((line) => line.startsWith('| variable |'));
    expect(header).toBeGreaterThan(0);
    // A markdown table ends at the first line that is not a row: every row must follow without a gap.
    const end = lines.findIndex((line, i) => i > header && !line.startsWith('|'));
    const rows = lines.slice(header + 2, end);
    const documented = rows.flatMap((row) =>
      [...(row.split('|')[1] ?? '').matchAll(/`([A-Z0-9_]+)`/g)].map((m) => m[1]),
    );
    expect(documented.sort()).toEqual([...CONFIG_VARIABLES].sort());
    // Nothing that looks like a row is left after the table.
    expect(lines.slice(end).filter((line) => /^\| `[A-Z0-9_]+`/.test(line))).toEqual([]);
  });
});
