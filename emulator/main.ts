/**
 * The stand-alone emulator: `npm run emulator -- --port 8090 [--host 127.0.0.1] [--public-host H]
 * [--api-key K --api-secret S] [--callback-url URL] [--user NAME]… [--no-rate-limit] [--seed N]`.
 * Runs on the real clock and logs its URLs; stops on SIGINT/SIGTERM.
 */
import { parseArgs } from 'node:util';
import { seededRandom, systemRandom } from '../lib/random.js';
import { startEmulator } from './server.js';

const USAGE = `usage: npm run emulator -- [--port 8090] [--host 127.0.0.1] [--public-host NAME]
  [--api-key KEY --api-secret SECRET [--callback-url URL]] [--user NAME]...
  [--no-rate-limit] [--seed N]`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '8090' },
      host: { type: 'string', default: '127.0.0.1' },
      'public-host': { type: 'string' },
      'api-key': { type: 'string' },
      'api-secret': { type: 'string' },
      'callback-url': { type: 'string' },
      user: { type: 'string', multiple: true },
      'no-rate-limit': { type: 'boolean', default: false },
      seed: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const port = Number(values.port);
  const apiKey = values['api-key'];
  const secret = values['api-secret'];
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`bad --port ${values.port}`);
  if ((apiKey === undefined) !== (secret === undefined))
    fail('give --api-key and --api-secret together');
  const seed = values.seed === undefined ? undefined : Number(values.seed);
  if (seed !== undefined && !Number.isInteger(seed)) fail(`bad --seed ${values.seed}`);

  const emulator = await startEmulator({
    port,
    host: values.host,
    ...(values['public-host'] ? { publicHost: values['public-host'] } : {}),
    random: seed === undefined ? systemRandom : seededRandom(seed),
    rateLimit: values['no-rate-limit'] ? false : {},
    apps:
      apiKey !== undefined && secret !== undefined
        ? [
            {
              api_key: apiKey,
              secret,
              ...(values['callback-url'] === undefined
                ? {}
                : { callback_url: values['callback-url'] }),
            },
          ]
        : [],
    users: values.user ?? [],
    log: (line) => console.error(line),
  });
  console.log(`Last.fm emulator listening on ${emulator.url}`);
  console.log(`  API:     ${emulator.apiUrl}`);
  console.log(`  sign-in: ${emulator.authUrl}`);
  console.log(`  control: ${emulator.url}/_emulator/ (see emulator/README.md)`);
  const stop = (): void => {
    void emulator.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

function fail(message: string): never {
  console.error(`${message}\n${USAGE}`);
  process.exit(2);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
