/**
 * `main.ts` as a real process (through tsx, in demo mode: in-memory store, in-process emulator):
 * SIGTERM ends it promptly whatever became of the pipe its log goes to.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../lib/free-port.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** Start-up through tsx and PGlite takes seconds on a busy machine; shutdown must take < 10 s. */
const START_TIMEOUT_MS = 90_000;
const EXIT_LIMIT_MS = 10_000;

type Child = ChildProcessByStdio<null, Readable, Readable>;
const children: Child[] = [];

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

/** Starts Lasso in demo mode with stdout and stderr piped; resolves once it logged its start. */
async function startLasso(): Promise<{ child: Child; stdout: () => string; stderr: () => string }> {
  const [port, emulatorPort] = [await freePort(), await freePort()];
  // Only what the process needs: no LASTFM_API_KEY (demo mode) or DATABASE_URL from outside.
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    ENVIRONMENT: 'development',
    PORT: String(port),
    DEMO_EMULATOR_PORT: String(emulatorPort),
  };
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  let err = '';
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('Lasso demo: open')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`Lasso exited (${code}) at start:\n${err}`)));
  });
  return { child, stdout: () => out, stderr: () => err };
}

/** Sends SIGTERM and resolves with the exit code and how long the exit took. */
async function terminate(child: Child): Promise<{ code: number | null; ms: number }> {
  const started = Date.now();
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<'still running'>((resolve) => {
    timer = setTimeout(() => resolve('still running'), EXIT_LIMIT_MS + 2_000);
  });
  const code = await Promise.race([exited, limit]);
  clearTimeout(timer);
  if (code === 'still running') return { code: null, ms: Date.now() - started };
  return { code, ms: Date.now() - started };
}

describe('main.ts on SIGTERM', () => {
  it(
    'exits 0 within 10 s when the reader of its stdout has gone away',
    async () => {
      const { child, stderr } = await startLasso();
      // The log shipper died: the pipe's read end is closed, so every write to stdout fails.
      child.stdout.destroy();
      const { code, ms } = await terminate(child);
      expect(ms).toBeLessThan(EXIT_LIMIT_MS);
      expect(code).toBe(0);
      expect(stderr()).toContain('writing the log failed (EPIPE)');
    },
    START_TIMEOUT_MS,
  );

  it(
    'exits 0 with an intact stdout, after its last log line reached it',
    async () => {
      const { child, stdout } = await startLasso();
      const { code, ms } = await terminate(child);
      expect(ms).toBeLessThan(EXIT_LIMIT_MS);
      expect(code).toBe(0);
      const lines = stdout()
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { message: string });
      expect(lines.at(-1)?.message).toBe('stopped');
      // Demo mode listens on loopback only unless HOST says otherwise, and says so.
      expect(lines.find((l) => l.message.startsWith('Lasso demo'))?.message).toContain(
        'listening on 127.0.0.1 only',
      );
    },
    START_TIMEOUT_MS,
  );
});
