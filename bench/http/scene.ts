/**
 * The Lasso side of `bench:http` and `load`: Lasso in a child process on a scratch PGlite or
 * PostgreSQL database, the emulator in this process, guests signed in and following a playing
 * host, the event streams open, and the host's scrobbles mirrored (and pushed down the streams)
 * before anything is measured.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EmulatorHandle } from '../../emulator/server.js';
import { spawnServer, type ServerChild } from './child.js';
import { LASSO_BUILT_VAR, LASSO_ENV_VAR } from './lasso-settings.js';
import { createScratchDatabase, type ScratchDatabase } from './postgres.js';
import {
  follow,
  freePort,
  HOST,
  hostScrobbles,
  inPool,
  lassoEnv,
  type LassoTuning,
  signIn,
  startBenchEmulator,
  status,
  waitUntil,
} from './setup.js';
import { openStreams, type SseStreams } from './sse.js';

/** How big the scene is. */
export interface SceneOptions {
  guests: number;
  streams: number;
  scrobbles: number;
  /** A PostgreSQL server URL to run on (a scratch database); null: PGlite in a temp folder. */
  postgresUrl: string | null;
  /** The scratch database's name prefix (default `lasso_bench_http`). */
  scratchPrefix?: string;
  /** Lasso's configuration changes beyond the bench's own (`setup.ts` `LassoTuning`). */
  tuning?: LassoTuning;
  /** Run Lasso from this built `dist/` folder (what production runs); absent: the source. */
  built?: string;
  log: (line: string) => void;
}

/** A running scene; `close()` tears everything down. */
export interface Scene {
  server: ServerChild;
  origin: string;
  /** One `Cookie` header per signed-in guest. */
  cookies: string[];
  streams: SseStreams;
  /** A status answer as measured (first guest), for the report. */
  sampleStatus: Record<string, unknown>;
  /** The scratch PostgreSQL database's URL; null on PGlite. */
  databaseUrl: string | null;
  close(): Promise<void>;
}

const LASSO_SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'lasso-server.ts');
/** Guests signing in (or checked for mirrored scrobbles) at once: each is a few round trips. */
const SETUP_CONCURRENCY = 20;
/** How long mirroring may take: a base, plus a little per guest (one scrobble call each). */
const MIRROR_TIMEOUT_MS = 30_000;
const MIRROR_TIMEOUT_PER_GUEST_MS = 60;
/** How often a long setup step says how far it got. */
const PROGRESS_EVERY_MS = 10_000;

/** Builds the scene. On failure, whatever was started is torn down before rethrowing. */
export async function startScene(o: SceneOptions): Promise<Scene> {
  const guests = Array.from({ length: o.guests }, (_, i) => `guest_${i + 1}`);
  const emu = await startBenchEmulator(guests);
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'lasso-bench-http-'));
  let server: ServerChild | undefined;
  let streams: SseStreams | undefined;
  let scratch: ScratchDatabase | undefined;
  const close = async (): Promise<void> => {
    streams?.close();
    await server?.close();
    await emu.close();
    await scratch?.drop();
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    const port = await freePort();
    scratch = o.postgresUrl
      ? await createScratchDatabase(o.postgresUrl, o.scratchPrefix)
      : undefined;
    const env = lassoEnv(emu, port, dataDir, o.tuning);
    o.log(
      `starting Lasso (child process, ${scratch ? 'PostgreSQL scratch database' : `PGlite in ${dataDir}`}) …`,
    );
    server = await spawnServer(LASSO_SCRIPT, {
      [LASSO_ENV_VAR]: JSON.stringify(scratch ? { ...env, DATABASE_URL: scratch.url } : env),
      ...(o.built ? { [LASSO_BUILT_VAR]: o.built } : {}),
    });
    const origin = server.url;
    const cookies = await followingGuests(emu, origin, guests, o.log);
    // Every follow is open by now: tracks starting from the next second are the guests' to copy.
    const firstTimestamp = Math.ceil(Date.now() / 1000) + 1;
    o.log(`opening ${o.streams} event streams …`);
    streams = await openStreams(origin, cookies, o.streams);
    const named = guests.map((name, i) => ({ name, cookie: cookies[i] ?? '' }));
    await mirrorScrobbles(o.log, emu, origin, named, firstTimestamp, o.scrobbles);
    const sampleStatus = await status(origin, cookies[0] ?? '');
    const databaseUrl = scratch?.url ?? null;
    return { server, origin, cookies, streams, sampleStatus, databaseUrl, close };
  } catch (err) {
    await close().catch(() => undefined);
    throw err;
  }
}

/** Signs the guests in and has each follow the host, who is playing a track. */
async function followingGuests(
  emu: EmulatorHandle,
  origin: string,
  guests: readonly string[],
  log: (line: string) => void,
): Promise<string[]> {
  log(`signing in ${guests.length} guests through the emulator's consent page …`);
  emu.setNowPlaying(HOST, { artist: 'Björk', track: 'Jóga', album: 'Homogenic', duration: 300 });
  let done = 0;
  return inPool(guests, SETUP_CONCURRENCY, async (guest) => {
    const cookie = await signIn(origin, guest);
    await follow(origin, cookie);
    if (++done % 250 === 0 && done < guests.length) log(`  ${done} guests following …`);
    return cookie;
  });
}

/**
 * Adds `count` host scrobbles, one second apart from `firstTimestamp` — once all of them lie in
 * the past, as a real player's would — and waits until every guest's status shows them mirrored:
 * first on the emulator's side (in this process, no request), then through Lasso's status.
 */
async function mirrorScrobbles(
  log: (line: string) => void,
  emu: EmulatorHandle,
  origin: string,
  guests: ReadonlyArray<{ name: string; cookie: string }>,
  firstTimestamp: number,
  count: number,
): Promise<void> {
  const lastStart = firstTimestamp + count - 1;
  const wait = (lastStart + 1) * 1000 - Date.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  emu.addScrobble(HOST, hostScrobbles(count, firstTimestamp));
  const timeoutMs = MIRROR_TIMEOUT_MS + MIRROR_TIMEOUT_PER_GUEST_MS * guests.length;
  let reportedAt = Date.now();
  await waitUntil(
    async () => {
      const done = guests.filter((g) => emu.scrobbles(g.name).length >= count).length;
      if (done < guests.length && Date.now() - reportedAt > PROGRESS_EVERY_MS) {
        reportedAt = Date.now();
        log(`  ${done}/${guests.length} guests have every scrobble on their profile …`);
      }
      return done === guests.length;
    },
    timeoutMs,
    `${count} scrobbles on each guest's profile`,
  );
  // Lasso records each answer just after it: guests already seen with all of them are not asked again.
  let pending = guests.map((g) => g.cookie);
  await waitUntil(
    async () => {
      const counts = await inPool(pending, SETUP_CONCURRENCY, async (cookie) => {
        const body = await status(origin, cookie);
        return body.scrobble_count;
      });
      pending = pending.filter((_, i) => counts[i] !== count);
      return pending.length === 0;
    },
    MIRROR_TIMEOUT_MS,
    `${count} scrobbles in each guest's status`,
  );
}
