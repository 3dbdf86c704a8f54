import closeWithGrace from 'close-with-grace';
import { pino } from 'pino';
import { ConfigError, loadConfig } from './config.js';
import { loggerOptions } from './logger.js';
import { startTracing } from './platform/telemetry/tracing.js';

/** In-flight requests get this long after SIGINT/SIGTERM before the process exits anyway. */
const SHUTDOWN_GRACE_MS = 10_000;

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
  // Tracing patches mysql2 and Fastify as they load: the app's modules are imported only after it started.
  const tracing = await startTracing(config.tracing, bootLog);
  const [{ buildApp }, { prepareDatabase }, { warmPasswordHasher }, { preloadPasswordPolicy }, platforms] =
    await Promise.all([
      import('./app.js'),
      import('./db/prepare.js'),
      import('./modules/auth/passwords/password-hasher.js'),
      import('./modules/auth/passwords/password-policy.js'),
      import('./platform/platform.js'),
    ]);
  const database = platforms.openDatabase(config);
  const platform = await platforms.createPlatform(config, bootLog);
  const app = await buildApp({ config, database, platform });
  app.addHook('onClose', async () => {
    await platform.close();
    await database.destroy();
    await tracing.shutdown();
  });

  closeWithGrace({ delay: SHUTDOWN_GRACE_MS }, async ({ signal, err }) => {
    if (err) app.log.error({ err }, 'shutting down after an error');
    else app.log.info({ signal }, 'shutting down');
    await app.close();
    app.log.info('closed');
  });

  try {
    await prepareDatabase(config, database, app.log);
    preloadPasswordPolicy();
    await warmPasswordHasher();
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
