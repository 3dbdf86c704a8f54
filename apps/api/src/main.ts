import closeWithGrace from 'close-with-grace';
import { pino } from 'pino';
import { ConfigError, loadConfig } from './config.js';
import { loggerOptions } from './logger.js';
import { startTracing } from './platform/telemetry/tracing.js';

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

  const logOptions = loggerOptions({ level: config.logLevel, format: config.logFormat });
  const bootLog = pino(logOptions, logOptions.stream);
  // Tracing patches mysql2 and Fastify as they load: the composition root (and through it everything that
  // loads them) is imported only after tracing started.
  const tracing = await startTracing(config.tracing, bootLog);
  const { createServer } = await import('./composition.js');
  const server = await createServer({ config, platformLog: bootLog });
  const { app } = server;
  // After the composition root's own close hooks (platform, database): the last spans include theirs.
  app.addHook('onClose', async () => {
    await tracing.shutdown();
  });

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
