/**
 * The real processes of a soak run: the built stand-alone emulator (`dist/emulator/main.js`) and
 * the built Lasso server (`dist/server/main.js`), each a child with its output in a log file,
 * Lasso configured only by its environment, as in production. Lasso is killed with SIGKILL and
 * started again on the same store.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../lib/free-port.js';
import { EmulatorControl, sleep } from './emulator.js';

/** This checkout: the default root whose `dist/` the soak runs. */
export const CHECKOUT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Folders whose sources `npm run build:server` compiles into `dist/`. */
const SOURCE_DIRS = ['lib', 'lastfm', 'emulator', 'engine', 'store', 'server', 'contract'];
const BUILT = ['dist/server/main.js', 'dist/emulator/main.js'];

function newestSource(dir: string): { file: string; mtimeMs: number } | null {
  let newest: { file: string; mtimeMs: number } | null = null;
  if (!existsSync(dir)) return null;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    const file = path.join(entry.parentPath, entry.name);
    const source = /\.(ts|sql)$/.test(entry.name) && !/\.test\.ts$/.test(entry.name);
    if (!entry.isFile() || !source || file.includes('test-support')) continue;
    const { mtimeMs } = statSync(file);
    if (!newest || mtimeMs > newest.mtimeMs) newest = { file, mtimeMs };
  }
  return newest;
}

/** Why `root`'s dist should not be run as is: missing, or older than a source; null when fine. */
export function distProblem(root: string): { missing: boolean; message: string } | null {
  const missing = BUILT.filter((f) => !existsSync(path.join(root, f)));
  if (missing.length > 0) {
    return { missing: true, message: `${missing.join(' and ')} missing: run npm run build` };
  }
  const built = Math.min(...BUILT.map((f) => statSync(path.join(root, f)).mtimeMs));
  for (const dir of SOURCE_DIRS) {
    const newest = newestSource(path.join(root, dir));
    if (newest && newest.mtimeMs > built) {
      const file = path.relative(root, newest.file);
      return { missing: false, message: `dist/ is older than ${file}: run npm run build` };
    }
  }
  return null;
}

/** Builds the server and the emulator (`npm run build:server`) when dist is missing or stale. */
export function ensureDist(root: string, log: (line: string) => void): void {
  const problem = distProblem(root);
  if (problem === null) return;
  log(`${problem.message.replace(/: run .*/, '')}: building (npm run build:server) …`);
  const r = spawnSync('npm', ['run', '--silent', 'build:server'], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) {
    throw new Error(`npm run build:server failed:\n${(r.stdout + r.stderr).slice(-2000)}`);
  }
}

export { freePort };

function spawnLogged(
  root: string,
  script: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  logFile: string,
) {
  const fd = openSync(logFile, 'a');
  try {
    return spawn(process.execPath, [path.join(root, script), ...args], {
      cwd: root,
      env,
      stdio: ['ignore', fd, fd],
    });
  } finally {
    closeSync(fd);
  }
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** The stand-alone emulator in its own process. */
export interface EmulatorProcess {
  url: string;
  port: number;
  control: EmulatorControl;
  stop(): Promise<void>;
}

/** Starts `dist/emulator/main.js` with Lasso's app registered; resolves once it answers. */
export async function startEmulatorProcess(o: {
  root: string;
  apiKey: string;
  apiSecret: string;
  logFile: string;
}): Promise<EmulatorProcess> {
  const port = await freePort();
  const args = ['--port', String(port), '--api-key', o.apiKey, '--api-secret', o.apiSecret];
  const child = spawnLogged(o.root, 'dist/emulator/main.js', args, process.env, o.logFile);
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/_emulator/health`, child, 20_000, 'the emulator');
  return {
    url,
    port,
    control: new EmulatorControl(url),
    stop: async () => {
      child.kill('SIGTERM');
      await exited(child);
    },
  };
}

/** Polls `url` until it answers 200; throws if `child` exits first or `ms` pass. */
async function waitForHttp(url: string, child: ChildProcess, ms: number, what: string) {
  const deadline = Date.now() + ms;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${what} exited (${child.exitCode ?? child.signalCode}) before answering`);
    }
    const ok = await fetch(url).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${what} did not answer ${url} within ${ms} ms`);
    await sleep(50);
  }
}

/** The variables Lasso reads (server/config.ts): never taken from the shell that runs the soak. */
const LASSO_VARIABLES = [
  'ENVIRONMENT',
  'PORT',
  'HOST',
  'PUBLIC_URL',
  'OAUTH_CALLBACK_URL',
  'LASTFM_API_KEY',
  'LASTFM_API_SECRET',
  'LASTFM_API_URL',
  'LASTFM_AUTH_URL',
  'LASTFM_REQUESTS_PER_SECOND',
  'SESSION_SECRET',
  'DATABASE_URL',
  'DATA_DIR',
  'POLLING_INTERVAL_MS',
  'IDLE_STOP_MINUTES',
  'MAX_FOLLOW_HOURS',
  'HISTORY_DAYS',
  'LOG_LEVEL',
  'TRUST_PROXY',
  'DEMO_EMULATOR_PORT',
];

/** One Lasso server process; `start` again after `kill` runs it anew on the same store. */
export class LassoProcess {
  private child: ChildProcess | null = null;
  /** Epoch ms of the last start's readiness, and of the last kill. */
  readyAt = 0;
  killedAt = 0;

  constructor(
    readonly name: string,
    readonly url: string,
    private readonly root: string,
    private readonly env: Record<string, string>,
    private readonly logFile: string,
  ) {}

  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  /**
   * Starts `dist/server/main.js` and resolves once `/readyz` answers 200. A process that exits
   * first is started once more (its port may not be free yet); the second failure throws with
   * the end of its log.
   */
  async start(): Promise<void> {
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const name of LASSO_VARIABLES) delete env[name];
    for (let attempt = 1; ; attempt++) {
      this.child = spawnLogged(
        this.root,
        'dist/server/main.js',
        [],
        { ...env, ...this.env },
        this.logFile,
      );
      try {
        await waitForHttp(`${this.url}/readyz`, this.child, 90_000, `Lasso ${this.name}`);
        this.readyAt = Date.now();
        return;
      } catch (err) {
        this.child.kill('SIGKILL');
        if (attempt >= 2) {
          const tail = readFileSync(this.logFile, 'utf8').split('\n').slice(-15).join('\n');
          throw new Error(
            `${err instanceof Error ? err.message : String(err)}; its log ends:\n${tail}`,
          );
        }
        await sleep(2000);
      }
    }
  }

  /** SIGKILL: no drain, no lease released, nothing flushed. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child) return;
    child.kill('SIGKILL');
    this.killedAt = Date.now();
    await exited(child);
  }

  /** SIGTERM (drains), then SIGKILL if it has not exited within 15 s. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited(child);
    clearTimeout(timer);
  }
}
