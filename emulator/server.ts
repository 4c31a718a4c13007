/**
 * `startEmulator`: the Last.fm emulator on a port, in-process, with an injected clock, returning
 * its URLs and a handle whose methods mirror the `/_emulator/…` control routes one for one.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Clock } from '../lib/clock.js';
import { systemClock } from '../lib/clock.js';
import { seededRandom } from '../lib/random.js';
import type { ApiEnv } from './api/serve.js';
import { serveApi } from './api/serve.js';
import { ART_PREFIX, serveArt } from './art.js';
import { serveAuthPage } from './auth-page.js';
import { CallLog } from './calls.js';
import { serveControl } from './control.js';
import type { UserSummary } from './controller.js';
import { Controller } from './controller.js';
import { ControlError } from './errors.js';
import { FaultInjector } from './faults.js';
import { send } from './http.js';
import type { ListenerStatus } from './listener.js';
import { ListenerRegistry } from './listener.js';
import { DEFAULT_QUIRKS, parseQuirks } from './quirks.js';
import { IpRateLimiter } from './rate-limit.js';
import { AuthStore } from './sessions.js';
import { EmulatorState } from './state.js';
import type {
  AppInput,
  CallsReport,
  EmulatorOptions,
  FaultSpec,
  ListenerSpec,
  NowPlayingBody,
  Quirks,
  ScrobbleBody,
  ScrobbleRow,
  SubmissionRow,
  TrackBody,
  UserInput,
} from './types.js';
import { CORS_HEADERS } from './wire.js';

const TEN_MINUTES_MS = 10 * 60 * 1000;

/** A running emulator. Control methods throw `ControlError` (status 400/404) on bad input. */
export interface EmulatorHandle {
  /** e.g. `http://127.0.0.1:40123` */
  readonly url: string;
  /**
   * Where a browser reaches it: `http://<publicHost>:<port>` (`url` without `publicHost`). The
   * generated album art and avatars are linked there.
   */
  readonly publicUrl: string;
  /** `url + '/2.0/'`: the Last.fm API root (`LASTFM_API_URL`). */
  readonly apiUrl: string;
  /** `url + '/api/auth/'`: the sign-in page (`LASTFM_AUTH_URL`). */
  readonly authUrl: string;
  readonly port: number;
  readonly clock: Clock;
  /** Stops listeners, gives up held answers, closes every connection. */
  close(): Promise<void>;
  registerApp(app: AppInput): void;
  createUser(user: string | UserInput): UserSummary;
  user(name: string): UserSummary;
  users(): UserSummary[];
  setPrivate(name: string, isPrivate: boolean): void;
  setNowPlaying(name: string, np: NowPlayingBody): void;
  clearNowPlaying(name: string): void;
  /** Appends to the user's library as their own player would; returns how many were new. */
  addScrobble(name: string, scrobble: ScrobbleBody | ScrobbleBody[]): number;
  /** The user's whole library, newest first. */
  scrobbles(name: string): ScrobbleRow[];
  /** What `track.scrobble` accepted for the user, oldest first, repeats included. */
  submissions(name: string): SubmissionRow[];
  /** As if `user` clicked "Allow access": returns an approved token. */
  approve(apiKey: string, user: string): string;
  /** The user's session keys for `apiKey` stop working (error 9); returns how many. */
  revoke(user: string, apiKey: string): number;
  setFaults(spec: FaultSpec): void;
  clearFaults(): void;
  faults(): FaultSpec | null;
  calls(): CallsReport;
  resetCalls(): void;
  startListener(spec: ListenerSpec): void;
  /** False when the user had no listener. */
  stopListener(user: string): boolean;
  listeners(): ListenerStatus[];
  registerTrack(track: TrackBody): void;
  /** Changes some quirks; returns all of them. */
  setQuirks(quirks: Partial<Quirks>): Quirks;
  quirks(): Quirks;
}

/** Starts an emulator; resolves once it listens. */
export async function startEmulator(opts: EmulatorOptions = {}): Promise<EmulatorHandle> {
  const clock = opts.clock ?? systemClock;
  const state = new EmulatorState();
  const quirks: Quirks = { ...DEFAULT_QUIRKS, ...parseQuirks(opts.quirks ?? {}) };
  if (opts.dailyScrobbleCap !== undefined) {
    Object.assign(quirks, parseQuirks({ dailyScrobbleCap: opts.dailyScrobbleCap }));
  }
  const closing = new AbortController();
  const listeners = new ListenerRegistry(clock, state, opts.log);
  const env: ApiEnv = {
    clock,
    state,
    auth: new AuthStore(),
    quirks,
    calls: new CallLog(),
    faults: new FaultInjector(opts.random ?? seededRandom(opts.seed ?? 1)),
    limiter:
      opts.instant || opts.rateLimit === false ? null : new IpRateLimiter(clock, opts.rateLimit),
    latencyMs: opts.instant ? 0 : (opts.latencyMs ?? 0),
    faultTimeoutMs: opts.faultTimeoutMs ?? TEN_MINUTES_MS,
    ...(opts.log ? { log: opts.log } : {}),
    closing: closing.signal,
    // Known once listening (the port may be picked by the system); no request comes before.
    publicUrl: '',
  };
  const ctrl = new Controller({ ...env, listeners });
  for (const app of opts.apps ?? []) ctrl.registerApp(app);
  for (const user of opts.users ?? []) ctrl.createUser(user);

  const server = createServer((req, res) => {
    route(env, ctrl, req, res).catch((e: unknown) => {
      opts.log?.(`emulator: ${req.method} ${req.url}: ${String(e)}`);
      if (e instanceof ControlError) send(res, e.status, {}, e.message);
      else send(res, 500, { 'content-type': 'text/plain' }, 'emulator error');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${urlHost(opts.host ?? '127.0.0.1')}:${port}`;
  env.publicUrl = opts.publicHost ? `http://${urlHost(opts.publicHost)}:${port}` : url;

  return {
    url,
    publicUrl: env.publicUrl,
    apiUrl: `${url}/2.0/`,
    authUrl: `${url}/api/auth/`,
    port,
    clock,
    close: () => {
      closing.abort();
      listeners.stopAll();
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
    registerApp: (app) => void ctrl.registerApp(app),
    createUser: (user) => ctrl.createUser(user).user,
    user: (name) => ctrl.user(name),
    users: () => ctrl.users(),
    setPrivate: (name, isPrivate) => void ctrl.setPrivate(name, { private: isPrivate }),
    setNowPlaying: (name, np) => void ctrl.setNowPlaying(name, np),
    clearNowPlaying: (name) => ctrl.clearNowPlaying(name),
    addScrobble: (name, s) => ctrl.addScrobbles(name, s).added,
    scrobbles: (name) => ctrl.scrobbles(name),
    submissions: (name) => ctrl.submissions(name),
    approve: (apiKey, user) => ctrl.approve({ api_key: apiKey, user }).token,
    revoke: (user, apiKey) => ctrl.revoke(user, { api_key: apiKey }).revoked,
    setFaults: (spec) => void ctrl.setFaults(spec),
    clearFaults: () => ctrl.clearFaults(),
    faults: () => ctrl.faults(),
    calls: () => ctrl.calls(),
    resetCalls: () => ctrl.resetCalls(),
    startListener: (spec) => void ctrl.startListener(spec),
    stopListener: (user) => listeners.stop(user),
    listeners: () => ctrl.listeners(),
    registerTrack: (track) => void ctrl.registerTrack(track),
    setQuirks: (q) => ctrl.setQuirks(q),
    quirks: () => ctrl.quirks(),
  };
}

/** The host part of the handle's URL: loopback for a wildcard bind, brackets for IPv6. */
function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

async function route(
  env: ApiEnv,
  ctrl: Controller,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://emulator.invalid');
  const path = url.pathname;
  if (path === '/2.0' || path === '/2.0/') {
    if (req.method === 'OPTIONS') return send(res, 204, { ...CORS_HEADERS }, '');
    if (req.method === 'GET' || req.method === 'POST') return serveApi(env, req, res, url);
    return send(res, 405, { ...CORS_HEADERS, allow: 'GET, POST, OPTIONS' }, '');
  }
  if (path === '/api/auth' || path === '/api/auth/') return serveAuthPage(env, req, res, url);
  if (path.startsWith(ART_PREFIX)) return serveArt(req, res, path);
  if (path.startsWith('/_emulator/')) {
    return serveControl(ctrl, req, res, path.slice('/_emulator'.length));
  }
  send(
    res,
    404,
    { 'content-type': 'text/plain; charset=utf-8' },
    'Not found: try /2.0/, /api/auth/, /art/ or /_emulator/',
  );
}
