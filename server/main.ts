/**
 * The Lasso process: reads the configuration, starts everything, and drains on SIGTERM/SIGINT
 * (stop taking work, finish in-flight Last.fm calls, release leases, close event streams, exit 0)
 * within a hard deadline (`shutdown.ts`).
 */
import { writeSync } from 'node:fs';
import { startEarlyStore } from './early-store.js';

/**
 * First of all, before the rest of the server is even compiled: the embedded store's PGlite, in
 * its thread, when the environment names one it is safe to start now (`early-store.ts`). Every
 * other module is imported below, so the bundle's entry holds little more than this.
 */
const early = startEarlyStore(process.env);

async function main(): Promise<void> {
  const [{ ConfigError, loadConfig }, { createLogger, fdOutput }, { openStore }] =
    await Promise.all([import('./config.js'), import('./logger.js'), import('./open-store.js')]);
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
  const output = fdOutput();
  const logger = createLogger(config, output);
  // The store goes on opening (PGlite in its own thread) while the rest of the server loads: on
  // the embedded store, opening it is most of the start-up time.
  const store = openStore(config, logger, early);
  // Not left unhandled while the modules load; startLasso awaits it and closes it on failure.
  store.catch(() => undefined);
  const [{ startLasso }, { shutdown }, { startupFields, startupMessage }] = await Promise.all([
    import('./runtime.js'),
    import('./shutdown.js'),
    import('./startup-line.js'),
  ]);
  const lasso = await startLasso(config, { logger, store });
  logger.info(startupFields(config, lasso), startupMessage(config, lasso));

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    void shutdown(
      {
        close: () => lasso.close(),
        logger,
        output,
        exit: (code) => process.exit(code),
        stderr: writeStderr,
      },
      signal,
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

/** Writes straight to stderr, ignoring failure: it is the last thing a dying process says. */
function writeStderr(text: string): void {
  try {
    writeSync(2, text);
  } catch {
    // stderr is gone too; nothing else can be told.
  }
}

main().catch((err: unknown) => {
  process.stderr.write(
    `Lasso failed to start: ${err instanceof Error ? err.stack : String(err)}\n`,
  );
  process.exit(1);
});
