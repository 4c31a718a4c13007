/**
 * The Lasso process: reads the configuration, starts everything, and drains on SIGTERM/SIGINT
 * (stop taking work, finish in-flight Last.fm calls, release leases, close event streams, exit 0).
 */
import { ConfigError, loadConfig } from './config.js';
import { createLogger } from './logger.js';
import { startLasso } from './runtime.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const logger = createLogger(config);
  const lasso = await startLasso(config, { logger });
  if (lasso.demo) {
    logger.info(
      { app: config.http.publicUrl, emulator: lasso.demo.emulatorUrl },
      `Lasso demo: open ${config.http.publicUrl} — simulated Last.fm at ${lasso.demo.emulatorUrl} (host "demo_host" is playing)`,
    );
  } else {
    logger.info({ url: lasso.url }, `Lasso listening on ${lasso.url}`);
  }

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    lasso.close().then(
      () => {
        logger.info({}, 'stopped');
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(
    `Lasso failed to start: ${err instanceof Error ? err.stack : String(err)}\n`,
  );
  process.exit(1);
});
