/**
 * Demo mode: with no LASTFM_API_KEY outside production, Lasso runs the Last.fm emulator in-process
 * on its own port, with a host already playing, so a newcomer can sign in, follow and watch
 * scrobbles arrive within a minute with nothing to set up.
 */
import { randomBytes } from 'node:crypto';
import type { Config } from './config.js';

/** The demo host every newcomer can follow. */
export const DEMO_HOST = 'demo_host';
/** Guests offered on the emulator's sign-in page, listed (and the first pre-selected) before the host. */
export const DEMO_GUESTS = ['demo_guest', 'alex', 'sam'] as const;
export const DEMO_API_KEY = 'lasso-demo-api-key';

/** Short tracks (just over Last.fm's 30 s minimum) so the demo host scrobbles every minute or so. */
export const DEMO_PLAYLIST = [
  { artist: 'Björk', track: 'Jóga', album: 'Homogenic', duration_s: 45 },
  { artist: 'Sigur Rós', track: 'Hoppípolla', album: 'Takk...', duration_s: 50 },
  { artist: 'Tame Impala', track: 'Let It Happen', album: 'Currents', duration_s: 55 },
  { artist: 'Khruangbin', track: 'Maria También', album: 'Con Todo El Mundo', duration_s: 40 },
  { artist: 'Little Simz', track: 'Venom', album: 'GREY Area', duration_s: 48 },
  { artist: 'Caetano Veloso', track: 'Cajuína', album: 'Cinema Transcendental', duration_s: 42 },
  { artist: 'Fever Ray', track: 'If I Had a Heart', album: 'Fever Ray', duration_s: 52 },
  { artist: '坂本龍一', track: 'Merry Christmas Mr. Lawrence', album: 'Coda', duration_s: 58 },
];

/** A running demo emulator and the configuration pointed at it. */
export interface Demo {
  config: Config;
  /** Where a person can open the emulator (its sign-in page and control API). */
  emulatorUrl: string;
  close(): Promise<void>;
}

/**
 * Starts the emulator beside the app, registers Lasso as an application, creates the demo host
 * (a looping scripted listener) and guests, and returns `config` with the Last.fm URLs, key and
 * secret filled in. The emulator is imported lazily: production never loads it.
 */
export async function startDemo(config: Config): Promise<Demo> {
  const { startEmulator } = await import('../emulator/server.js');
  const secret = randomBytes(16).toString('hex');
  const emulator = await startEmulator({
    // Where the app listens: loopback unless HOST says otherwise (see `loadConfig`), since
    // anyone who reaches the emulator can approve a sign-in as a demo user.
    host: config.http.host,
    port: config.demoEmulatorPort,
    // The browser reaches the emulator's sign-in page and pictures on the host name it reaches
    // Lasso by (PUBLIC_URL's), with the emulator's port.
    publicHost: new URL(config.http.publicUrl).hostname,
    apps: [{ api_key: DEMO_API_KEY, secret, name: 'Lasso (demo)' }],
    // The sign-in page lists users in this order and pre-selects the first: a guest, never the
    // host (signing in as the host would make following it a self-follow).
    users: [...DEMO_GUESTS, DEMO_HOST],
  });
  emulator.startListener({ user: DEMO_HOST, tracks: DEMO_PLAYLIST, loop: true, gap_s: 2 });
  const browserUrl = emulator.publicUrl;
  // Where Lasso itself calls it: the address it listens on (loopback for a wildcard bind).
  const serverUrl = emulator.url;
  return {
    config: {
      ...config,
      lastfm: {
        ...config.lastfm,
        apiKey: DEMO_API_KEY,
        apiSecret: secret,
        apiUrl: `${serverUrl}/2.0/`,
        authUrl: `${browserUrl}/api/auth/`,
      },
    },
    emulatorUrl: browserUrl,
    close: () => emulator.close(),
  };
}
