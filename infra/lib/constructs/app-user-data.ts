/** Inputs of the instance boot script; every value is an id or a name, never a secret value. */
export interface AppUserDataOptions {
  readonly region: string;
  readonly appBundleS3Url: string;
  readonly logGroupName: string;
  readonly stackName: string;
  /** Logical id of the Auto Scaling group that waits for cfn-signal. */
  readonly asgLogicalId: string;
  /** Environment of the app process (PORT, *_SECRET_ID, BLOB_STORE, …). */
  readonly environment: Record<string, string>;
  readonly appPort: number;
}

const ENV_VALUE = /^[A-Za-z0-9_./:@,*+= <>-]*$/;

function envFile(environment: Record<string, string>): string {
  return Object.entries(environment)
    .map(([name, value]) => {
      // Tokens resolve at deploy time to ARNs and host names; both match ENV_VALUE.
      if (!/^[A-Z][A-Z0-9_]*$/.test(name)) throw new Error(`bad environment name ${name}`);
      if (!value.includes('${Token[') && !ENV_VALUE.test(value)) throw new Error(`unsafe value for ${name}`);
      return `${name}=${value}`;
    })
    .join('\n');
}

/**
 * systemd unit: an unprivileged user, read-only OS, no new privileges, no capabilities, private /tmp.
 * Config comes from /etc/parley/parley.env (secret ids); secrets are fetched by the app at run time.
 */
export const SYSTEMD_UNIT = `[Unit]
Description=Parley API
After=network-online.target
Wants=network-online.target

[Service]
Type=simple
User=parley
Group=parley
WorkingDirectory=/opt/parley/app
EnvironmentFile=/etc/parley/parley.env
ExecStart=/usr/bin/node-24 --enable-source-maps apps/api/dist/main.js
Restart=always
RestartSec=2
StandardOutput=append:/var/log/parley/app.log
StandardError=append:/var/log/parley/app.log
NoNewPrivileges=yes
CapabilityBoundingSet=
AmbientCapabilities=
ProtectSystem=strict
ProtectHome=yes
PrivateTmp=yes
PrivateDevices=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
ProtectHostname=yes
RestrictNamespaces=yes
RestrictRealtime=yes
RestrictSUIDSGID=yes
LockPersonality=yes
MemoryDenyWriteExecute=no
RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX
SystemCallArchitectures=native
SystemCallFilter=@system-service
UMask=0077
ReadWritePaths=/var/log/parley
# Writable state (DATA_DIR) lives here; the code directory stays read-only.
StateDirectory=parley
StateDirectoryMode=0700
LimitNOFILE=65536

[Install]
WantedBy=multi-user.target
`;

/** The boot script: install Node 24, fetch the app bundle (CDK asset), run it under systemd, signal. */
export function appUserData(options: AppUserDataOptions): string[] {
  const cwAgentConfig = JSON.stringify({
    logs: {
      logs_collected: {
        files: {
          collect_list: [
            {
              file_path: '/var/log/parley/app.log',
              log_group_name: options.logGroupName,
              log_stream_name: '{instance_id}',
            },
          ],
        },
      },
    },
  });
  return [
    'set -euo pipefail',
    // Any failure before the app is ready tells CloudFormation, which rolls the deploy back.
    `signal() { /opt/aws/bin/cfn-signal -e "$1" --stack '${options.stackName}' --resource '${options.asgLogicalId}' --region '${options.region}' || true; }`,
    "trap 'signal 1' ERR",
    'dnf install -y nodejs24 nodejs24-npm amazon-cloudwatch-agent aws-cfn-bootstrap unzip',
    'id parley >/dev/null 2>&1 || useradd --system --home-dir /opt/parley --shell /sbin/nologin parley',
    'install -d -o root -g root -m 0755 /opt/parley /etc/parley',
    'install -d -o parley -g parley -m 0750 /var/log/parley',
    `aws s3 cp '${options.appBundleS3Url}' /tmp/parley-app.zip --region '${options.region}'`,
    'rm -rf /opt/parley/app && mkdir -p /opt/parley/app && unzip -q /tmp/parley-app.zip -d /opt/parley/app',
    'test -f /opt/parley/app/apps/api/dist/main.js || { echo "app bundle lacks apps/api/dist/main.js: run npm run package:app before cdk deploy" >&2; signal 1; exit 1; }',
    // Production dependencies from the committed lockfile (integrity-checked), built for this arm64 host.
    'cd /opt/parley/app && npm-24 ci --omit=dev --no-audit --no-fund --workspace @parley/api --workspace @parley/contract',
    'chown -R root:root /opt/parley/app && chmod -R go-w /opt/parley/app',
    // RDS CA bundle so the app verifies the database certificate (require_secure_transport=1).
    'curl -fsS --retry 5 -o /etc/parley/rds-ca.pem https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem',
    `cat > /etc/parley/parley.env <<'PARLEY_ENV'\n${envFile({ ...options.environment, DATABASE_TLS_CA: '/etc/parley/rds-ca.pem' })}\nPARLEY_ENV`,
    'chmod 0644 /etc/parley/parley.env',
    `cat > /etc/systemd/system/parley.service <<'PARLEY_UNIT'\n${SYSTEMD_UNIT}PARLEY_UNIT`,
    `cat > /opt/aws/amazon-cloudwatch-agent/etc/parley.json <<'CW_AGENT'\n${cwAgentConfig}\nCW_AGENT`,
    '/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -s -c file:/opt/aws/amazon-cloudwatch-agent/etc/parley.json',
    'systemctl daemon-reload && systemctl enable --now parley.service',
    `for attempt in $(seq 1 60); do curl -fsS -o /dev/null http://127.0.0.1:${options.appPort}/api/health/ready && break; sleep 5; done`,
    `curl -fsS -o /dev/null http://127.0.0.1:${options.appPort}/api/health/ready`,
    'signal 0',
  ];
}
