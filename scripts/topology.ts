/**
 * `npm run topology`: the production shape on this machine, by hand. Builds the web app, starts nginx
 * (TLS, the ALB stand-in) in front of two Parley instances with MariaDB (TLS only), Redis, s3rver and an
 * SMTP capture, prints where everything is, then prints each email and each instance's log lines as they
 * come. Commands on stdin let you crash, stop, start and roll the instances; Ctrl-C stops everything.
 *
 *   npm run topology [-- --port 8443] [-- --log-level info]
 */
import { execFileSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startTopology, type Topology } from './services/topology.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    'log-level': { type: 'string', default: 'info' },
  },
});
const port = values.port === undefined ? undefined : Number(values.port);
if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536)) {
  process.stderr.write(`--port must be a TCP port, not "${values.port}"\n`);
  process.exit(2);
}

process.stdout.write('Building the web app…\n');
execFileSync('npm', ['run', 'build', '-w', '@parley/web'], {
  cwd: root,
  stdio: ['ignore', 'ignore', 'inherit'],
  env: { ...process.env, NODE_ENV: 'production' },
});
process.stdout.write(
  'Starting nginx, two Parley instances, MariaDB (TLS only), Redis, s3rver, SMTP capture…\n',
);
const topology: Topology = await startTopology({ logLevel: values['log-level'], port });

const { instances, mariadb, redis, s3, mail } = topology;
process.stdout.write(`
Parley, production shape, is running at ${topology.baseUrl}

  nginx       ${topology.baseUrl}  TLS with a certificate from a throwaway CA; round robin over:
${instances.map((i) => `  ${i.name.padEnd(11)} http://${i.upstream}  (TRUST_PROXY=${topology.proxyAddress}, nginx's source address)`).join('\n')}
  MariaDB     127.0.0.1:${mariadb.port}  require_secure_transport=ON, the app user over TLS (REQUIRE SSL)
  Redis       ${redis.url}
  S3          ${s3.endpoint}  (s3rver, bucket ${s3.bucket})
  SMTP        ${mail.url}  (emails are printed below)

The test CA is ${topology.caFile}
  curl:      curl --cacert ${topology.caFile} ${topology.baseUrl}/api/health/live
  Chromium:  trusts it through an NSS database in a throwaway HOME (no certificate warning):
             export H=$(mktemp -d) && mkdir -p $H/.pki/nssdb && certutil -N -d sql:$H/.pki/nssdb --empty-password \\
               && certutil -A -d sql:$H/.pki/nssdb -n "Parley Test CA" -t C,, -i ${topology.caFile} \\
               && HOME=$H chromium ${topology.baseUrl}

Commands: "kill N" (SIGKILL instance N), "stop N" (SIGTERM), "start N", "roll" (rolling restart),
          "status". Ctrl-C stops everything.

`);

let printedMail = 0;
/** Per instance: which process (its start count) and how much of its output was printed. */
const printed = new Map<string, { starts: number; offset: number }>();
const follow = setInterval(() => {
  for (const message of mail.messages.slice(printedMail)) {
    const links = message.text.match(/https?:\/\/\S+/g) ?? [];
    process.stdout.write(
      `\n── email to ${message.to}: ${message.subject}\n${links.map((l) => `   ${l}\n`).join('')}\n`,
    );
  }
  printedMail = mail.messages.length;
  for (const instance of instances) {
    const output = instance.output();
    const seen = printed.get(instance.name);
    // A restarted instance is a new process with a new log.
    const from = seen?.starts === instance.starts ? seen.offset : 0;
    const complete = output.lastIndexOf('\n') + 1;
    if (complete > from) {
      for (const line of output.slice(from, complete).split('\n').slice(0, -1)) {
        process.stdout.write(`[${instance.name}] ${line}\n`);
      }
    }
    printed.set(instance.name, { starts: instance.starts, offset: Math.max(from, complete) });
  }
}, 500);

const pick = (arg: string | undefined) => {
  const instance = instances[Number(arg) - 1];
  if (!instance) process.stdout.write(`no instance "${arg ?? ''}": 1 to ${instances.length}\n`);
  return instance;
};
const commands = createInterface({ input: process.stdin });
commands.on('line', (line) => {
  const [command, arg] = line.trim().split(/\s+/);
  const run = async () => {
    switch (command) {
      case 'kill':
        await pick(arg)?.kill();
        break;
      case 'stop':
        await pick(arg)?.stop();
        break;
      case 'start':
        await pick(arg)?.start();
        break;
      case 'roll':
        await topology.rollingRestart();
        break;
      case 'status':
      case '':
        break;
      default:
        process.stdout.write('commands: kill N, stop N, start N, roll, status\n');
        return;
    }
    for (const instance of instances) {
      process.stdout.write(
        `${instance.name} ${instance.upstream} ${instance.running ? 'running' : 'stopped'}\n`,
      );
    }
  };
  run().catch((error: unknown) =>
    process.stdout.write(`${error instanceof Error ? error.message : error}\n`),
  );
});

let stopping = false;
const shutdown = async () => {
  if (stopping) return;
  stopping = true;
  clearInterval(follow);
  commands.close();
  process.stdout.write('\nStopping…\n');
  await topology.stop();
  process.exit(0);
};
process.on('SIGINT', () => void shutdown());
process.on('SIGTERM', () => void shutdown());
