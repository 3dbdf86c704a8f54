import closeWithGrace from 'close-with-grace';
import { pino } from 'pino';
import { createServer } from './composition.js';
import { ConfigError, loadConfig } from './config.js';
import { loggerOptions } from './logger.js';

/** In-flight requests get this long after SIGINT/SIGTERM before the process exits anyway. */
const SHUTDOWN_GRACE_MS = 10_000;

/** The boot: configuration, the server from the composition root, listening, and a graceful close. */
async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }

  const bootLog = pino(loggerOptions({ level: config.logLevel }));
  const server = await createServer({ config, platformLog: bootLog });
  const { app } = server;

  closeWithGrace({ delay: SHUTDOWN_GRACE_MS }, async ({ signal, err }) => {
    if (err) app.log.error({ err }, 'shutting down after an error');
    else app.log.info({ signal }, 'shutting down');
    await app.close();
    app.log.info('closed');
  });

  try {
    await server.prepare();
    await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    app.log.fatal({ err: error }, 'could not start');
    await app.close().catch(() => undefined);
    process.exit(1);
  }
  app.log.info({ url: config.publicUrl.href }, 'listening');
  // Always shown, whatever LOG_LEVEL says: the one line a person starting Parley needs.
  process.stdout.write(`Parley is running at ${config.publicUrl.href}\n`);
}

await main();
