/**
 * The container without Docker (none runs here): reads the `Dockerfile` and does what its `deps`
 * and `runtime` stages do. Into a clean temporary folder: the files the deps stage copies, its RUN
 * (`npm ci --omit=dev`, from the npm cache when it can), then exactly what the runtime stage
 * copies (`--from=build` is this checkout after `npm run build`, which `npm test` runs first).
 * Then the runtime stage's CMD, with its ENV and the variables production requires, against a
 * fresh PostgreSQL database: /readyz answers 200, `/` serves the built web app, the HEALTHCHECK
 * command passes, SIGTERM exits 0 within 10 s; and with each required variable missing the
 * process exits non-zero naming it. What it cannot do: run as the image's USER, or from /data.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
} from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDockerfile, stageNamed, type Stage } from './dockerfile.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const URL_ = process.env.TEST_DATABASE_URL;
const SECOND_MS = 1000;
const SHUTDOWN_LIMIT_MS = 10 * SECOND_MS;
/** Start-up on PostgreSQL is ~5 s on this loaded machine; a generous ceiling. */
const READY_LIMIT_MS = 120 * SECOND_MS;
/** What production refuses to start without (docs/configuration.md). */
const REQUIRED = ['PUBLIC_URL', 'LASTFM_API_KEY', 'LASTFM_API_SECRET', 'SESSION_SECRET'];

const stages = readDockerfile();
const build = stageNamed(stages, 'build');
const deps = stageNamed(stages, 'deps');
const runtime = stageNamed(stages, 'runtime');

if (!URL_) {
  const line = '!'.repeat(78);
  console.warn(
    `\n${line}\n!! SKIPPED: the runtime-stage test (test/ops/runtime-stage.db.test.ts) needs\n` +
      `!! PostgreSQL: set TEST_DATABASE_URL=postgres://… (CI sets it).\n${line}\n`,
  );
}

/** A path the stage names under its WORKDIR (`/app/dist/web`) → relative to it (`dist/web`). */
function underWorkdir(stage: Stage, file: string): string {
  const workdir = stage.workdir ?? '/';
  if (!file.startsWith('/')) return file;
  const rel = path.posix.relative(workdir, file);
  if (rel.startsWith('..')) throw new Error(`${stage.name}: ${file} is outside ${workdir}`);
  return rel;
}

/** A free TCP port on loopback. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** A running process and everything it has printed so far. */
interface Running {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts the runtime stage's CMD (`node` being this Node) in `dir` with exactly `env`. */
function startCmd(cmd: string[], dir: string, env: Record<string, string>): Running {
  const [program = '', ...args] = cmd;
  const child = spawn(program === 'node' ? process.execPath : program, args, {
    cwd: dir,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, output: () => output, exited };
}

/** Polls `url` until it answers `status`, the process exits, or the limit passes. */
async function waitFor(url: string, status: number, proc: Running): Promise<void> {
  let exited = false;
  void proc.exited.then(() => (exited = true));
  const deadline = Date.now() + READY_LIMIT_MS;
  while (Date.now() < deadline && !exited) {
    const answer = await fetch(url).catch(() => null);
    if (answer?.status === status) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${url} never answered ${status}; output:\n${proc.output()}`);
}

describe.skipIf(!URL_)('the Dockerfile runtime stage, without Docker [postgres]', () => {
  let work = '';
  let app = '';
  let admin: pg.Client;
  let database = '';
  let env: Record<string, string> = {};
  let server: Running | undefined;
  let base = '';

  beforeAll(
    async () => {
      for (const built of ['dist/server/main.js', 'dist/web/index.html']) {
        expect(
          existsSync(path.join(ROOT, built)),
          `${built}: scripts/test.mjs builds first; by hand: npm run build`,
        ).toBe(true);
      }
      work = mkdtempSync(path.join(os.tmpdir(), 'lasso-runtime-'));

      // The deps stage: its context files, then its RUN, in its own folder.
      const depsDir = path.join(work, 'deps');
      mkdirSync(depsDir);
      for (const copy of deps.copies) {
        expect(copy.from, 'the deps stage copies from the build context only').toBeUndefined();
        for (const source of copy.sources) {
          cpSync(
            path.join(ROOT, source),
            path.join(depsDir, underWorkdir(deps, copy.dest), path.basename(source)),
          );
        }
      }
      for (const command of deps.runs) {
        const ran = spawnSync('sh', ['-c', command], {
          cwd: depsDir,
          env: {
            ...process.env,
            npm_config_prefer_offline: 'true',
            npm_config_update_notifier: 'false',
          },
          encoding: 'utf8',
        });
        expect(ran.status, `deps stage: ${command}\n${ran.stdout}\n${ran.stderr}`).toBe(0);
      }

      // The runtime stage's copies: from the deps folder, or from this built checkout.
      app = path.join(work, 'app');
      mkdirSync(app);
      const fromStage = { deps: depsDir, build: ROOT } as Record<string, string>;
      for (const copy of runtime.copies) {
        const stageDir = fromStage[copy.from ?? ''];
        if (!stageDir)
          throw new Error(`runtime COPY from "${copy.from}": only deps and build are known`);
        const stage = stageNamed(stages, copy.from ?? '');
        for (const source of copy.sources) {
          const from = path.join(stageDir, underWorkdir(stage, source));
          const to = path.join(app, underWorkdir(runtime, copy.dest));
          mkdirSync(path.dirname(to), { recursive: true });
          if (copy.from === 'deps') renameSync(from, to);
          else cpSync(from, to, { recursive: true });
        }
      }

      base = new URL(URL_ ?? '').pathname.slice(1) || 'lasso';
      database = `${base}_runtime_${randomBytes(4).toString('hex')}`;
      admin = new pg.Client({ connectionString: URL_ });
      await admin.connect();
      await admin.query(`CREATE DATABASE ${database}`);
      const databaseUrl = new URL(URL_ ?? '');
      databaseUrl.pathname = `/${database}`;

      const port = await freePort();
      env = {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        ...runtime.env,
        // Here, not in a container: a free port, and a writable DATA_DIR (the image makes /data).
        PORT: String(port),
        DATA_DIR: path.join(work, 'data'),
        DATABASE_URL: databaseUrl.href,
        PUBLIC_URL: `http://localhost:${port}`,
        LASTFM_API_KEY: 'runtime-stage-test-key',
        LASTFM_API_SECRET: 'runtime-stage-test-secret',
        SESSION_SECRET: randomBytes(32).toString('hex'),
        // Nothing listens there: readiness must not need Last.fm.
        LASTFM_API_URL: 'http://127.0.0.1:9/2.0/',
        LASTFM_AUTH_URL: 'http://127.0.0.1:9/api/auth/',
      };
    },
    10 * 60 * SECOND_MS,
  );

  afterAll(async () => {
    if (server && server.child.exitCode === null) server.child.kill('SIGKILL');
    if (admin) {
      await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => {});
      await admin.end();
    }
    if (work) rmSync(work, { recursive: true, force: true });
  }, 60 * SECOND_MS);

  it('is the image of the built app on Node 24, as a user other than root', () => {
    for (const stage of stages) expect(stage.image).toMatch(/^node:24[.-]/);
    expect(build.copies.some((c) => c.sources.join() === '.' && c.from === undefined)).toBe(true);
    expect(build.runs).toContain('npm run build');
    expect(deps.runs.join(' ')).toMatch(/npm ci .*--omit=dev/);
    expect(runtime.user).toBeDefined();
    expect(['root', '0']).not.toContain(runtime.user);
    expect(runtime.env).toMatchObject({ ENVIRONMENT: 'production', NODE_ENV: 'production' });
    expect(runtime.env.PORT).toBeDefined();
    expect(runtime.exposes).toContain(runtime.env.PORT);
    expect(runtime.cmd).toEqual(['node', 'dist/server/main.js']);
    expect(runtime.healthcheck?.cmd[0]).toBe('node');
    expect(runtime.healthcheck?.cmd.join(' ')).toContain('/healthz');
  });

  it(
    'starts on PostgreSQL from the copied files alone: /readyz 200, the web app at /',
    async () => {
      server = startCmd(runtime.cmd ?? [], app, env);
      const origin = `http://127.0.0.1:${env.PORT}`;
      await waitFor(`${origin}/readyz`, 200, server);

      const page = await fetch(`${origin}/`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await page.text()).toBe(readFileSync(path.join(app, 'dist/web/index.html'), 'utf8'));
      expect(server.output()).toContain(`Lasso listening on`);
    },
    READY_LIMIT_MS + 30 * SECOND_MS,
  );

  it('passes its HEALTHCHECK command while it runs', () => {
    const [program = '', ...args] = runtime.healthcheck?.cmd ?? [];
    const check = spawnSync(program === 'node' ? process.execPath : program, args, {
      env: { PATH: env.PATH, PORT: env.PORT },
      encoding: 'utf8',
      timeout: 30 * SECOND_MS,
    });
    expect(check.status, check.stderr).toBe(0);
  });

  it(
    'exits 0 within 10 s of SIGTERM, and the HEALTHCHECK then fails',
    async () => {
      if (!server) throw new Error('the server did not start (see the test before)');
      const sent = Date.now();
      server.child.kill('SIGTERM');
      const { code, signal } = await server.exited;
      const tookMs = Date.now() - sent;
      expect({ code, signal }, server.output()).toEqual({ code: 0, signal: null });
      expect(tookMs).toBeLessThan(SHUTDOWN_LIMIT_MS);

      const [program = '', ...args] = runtime.healthcheck?.cmd ?? [];
      const check = spawnSync(program === 'node' ? process.execPath : program, args, {
        env: { PATH: env.PATH, PORT: env.PORT },
        timeout: 30 * SECOND_MS,
      });
      expect(check.status).toBe(1);
    },
    30 * SECOND_MS,
  );

  it(
    'refuses to start without each variable production requires, naming it',
    async () => {
      const runs = REQUIRED.map(async (name) => {
        const { [name]: _missing, ...rest } = env;
        const proc = startCmd(runtime.cmd ?? [], app, rest);
        const { code } = await proc.exited;
        return { name, code, output: proc.output() };
      });
      for (const { name, code, output } of await Promise.all(runs)) {
        expect(code, `${name} missing: ${output}`).not.toBe(0);
        expect(code, output).not.toBeNull();
        expect(output).toMatch(new RegExp(`^\\s*${name}: `, 'm'));
      }
    },
    120 * SECOND_MS,
  );
});
