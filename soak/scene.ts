/**
 * What both suites set up the same way: a work folder for logs (and PGlite's data), the emulator
 * process with Lasso's application and the users, Lasso's environment, guests signed in through
 * the real flow, and the exports and libraries read at the end.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { DataExport } from '../contract/history.js';
import { GuestBrowser } from './browser.js';
import type { ServerWindow } from './check.js';
import type { ScrobbleRow, SubmissionRow } from './emulator.js';
import { startEmulatorProcess, type EmulatorProcess } from './procs.js';
import { Teardown } from './teardown.js';

/** Lasso's Last.fm application at the emulator. */
const API_KEY = 'soak-api-key';
const API_SECRET = 'soak-api-secret';
const SESSION_SECRET = 'a-soak-session-secret-that-outlives-every-restart-0123456789';
/** Lasso's pace towards Last.fm in the soak: its default, set explicitly so the checks know it. */
export const REQUESTS_PER_SECOND = 4;

/** A work folder under the OS temp folder: Lasso's and the emulator's logs, PGlite's data. */
async function workFolder(prefix: string): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `lasso-${prefix}-`));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * Runs one soak in a fresh work folder: `body` sets up, plays and judges it, putting everything
 * it starts on `teardown`, which is run before this returns, whatever happens. The folder is
 * kept (and said) when asked or when the run did not pass, for its logs; else it is removed.
 */
export async function inWorkFolder<R extends { passed: boolean }>(
  prefix: string,
  o: { keep: boolean; log(line: string): void },
  body: (dir: string, teardown: Teardown) => Promise<R>,
): Promise<R> {
  const work = await workFolder(prefix);
  const teardown = new Teardown();
  let report: R | undefined;
  try {
    report = await body(work.dir, teardown);
    return report;
  } finally {
    await teardown.run();
    if (o.keep || !report?.passed) o.log(`logs kept in ${work.dir}`);
    else await work.remove();
  }
}

/**
 * Gathers the emulator's call log every `everyMs` until the teardown, so a long run's log is
 * read in pieces rather than all at the end.
 */
export function gatherCallsMeanwhile(
  emu: EmulatorProcess,
  teardown: Teardown,
  everyMs: number,
): void {
  const gathering = new AbortController();
  const gathered = emu.control.gatherUntil(gathering.signal, everyMs);
  teardown.add(async () => {
    gathering.abort();
    await gathered;
  });
}

/** The emulator (rate limit on, like Last.fm's per-IP limit) with `users` created. */
export async function startScene(
  root: string,
  dir: string,
  users: readonly string[],
): Promise<EmulatorProcess> {
  const emu = await startEmulatorProcess({
    root,
    apiKey: API_KEY,
    apiSecret: API_SECRET,
    logFile: path.join(dir, 'emulator.log'),
  });
  for (const user of users) await emu.control.createUser(user);
  return emu;
}

/** Lasso's configuration variables, production settings with compressed-time polling. */
export function lassoEnv(o: {
  port: number;
  emulatorUrl: string;
  /** Where Lasso sends its Last.fm calls (a forwarder in front of the emulator), default the emulator. */
  apiUrl?: string;
  store: { databaseUrl: string } | { dataDir: string };
}): Record<string, string> {
  return {
    ENVIRONMENT: 'production',
    HOST: '127.0.0.1',
    PORT: String(o.port),
    PUBLIC_URL: `http://127.0.0.1:${o.port}`,
    LASTFM_API_KEY: API_KEY,
    LASTFM_API_SECRET: API_SECRET,
    LASTFM_API_URL: o.apiUrl ?? `${o.emulatorUrl}/2.0/`,
    LASTFM_AUTH_URL: `${o.emulatorUrl}/api/auth/`,
    LASTFM_REQUESTS_PER_SECOND: String(REQUESTS_PER_SECOND),
    SESSION_SECRET,
    POLLING_INTERVAL_MS: '1000',
    LOG_LEVEL: 'info',
    ...('databaseUrl' in o.store
      ? { DATABASE_URL: o.store.databaseUrl }
      : { DATA_DIR: o.store.dataDir }),
  };
}

/** Runs `fn` over `items`, `limit` at a time. */
export async function inParallel<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/**
 * Browsers for `names`, each signed in through the real flow at the origin `originOf` gives
 * (tried again a few times: Last.fm's session call may meet a fault), `limit` at a time and one
 * starting every `spacingMs` at most, as guests arriving rather than a flood.
 */
export async function signInGuests(
  names: readonly string[],
  originOf: (index: number) => string,
  limit: number,
  spacingMs = 0,
): Promise<GuestBrowser[]> {
  const first = Date.now();
  return inParallel(names, limit, async (name, i) => {
    await new Promise((r) => setTimeout(r, first + i * spacingMs - Date.now()));
    const guest = new GuestBrowser(
      name,
      originOf(i),
      `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
    );
    for (let attempt = 1; ; attempt++) {
      try {
        await guest.signIn();
        return guest;
      } catch (err) {
        if (attempt >= 5) throw err;
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  });
}

/** The windows of every follow in the guest's data export, or null when Lasso did not answer. */
export async function exportedWindows(guest: GuestBrowser): Promise<{
  windows: ServerWindow[];
  pending: number;
} | null> {
  const r = await guest.request('GET', '/api/me/export').catch(() => null);
  if (r?.status !== 200) return null;
  const data = r.json as DataExport;
  const windows = data.follows.flatMap((f) =>
    f.windows.map((w) => ({ openedAt: w.started_at, closedAt: w.ended_at })),
  );
  const pending = data.follows
    .flatMap((f) => f.scrobbles)
    .filter((s) => s.status === 'pending').length;
  return { windows, pending };
}

/** A guest's library and accepted submissions at the emulator. */
export async function libraryOf(
  emu: EmulatorProcess,
  guest: string,
): Promise<{ library: ScrobbleRow[]; submissions: SubmissionRow[] }> {
  const [library, submissions] = await Promise.all([
    emu.control.scrobbles(guest),
    emu.control.submissions(guest),
  ]);
  return { library, submissions };
}

/**
 * Writes what a failed run was judged on to `<dir>/evidence.json`: the hosts' truth, each
 * guest's windows, requests, library and submissions, and the call log.
 */
export async function writeEvidence(dir: string, evidence: unknown): Promise<string> {
  const file = path.join(dir, 'evidence.json');
  await writeFile(file, JSON.stringify(evidence));
  return file;
}
