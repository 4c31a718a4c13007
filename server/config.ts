/**
 * The only reader of the environment: every variable is validated once, every problem is
 * reported together, and the rest of Lasso gets a typed, nested `Config`.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';

export const ENVIRONMENTS = ['development', 'production', 'test'] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The shortest SESSION_SECRET accepted in production (it keys the session-key encryption). */
export const MIN_SESSION_SECRET_LENGTH = 32;
/** The shortest METRICS_TOKEN accepted: guessing it must be hopeless. */
export const MIN_METRICS_TOKEN_LENGTH = 32;

/** Lasso's configuration, read from the environment by `loadConfig`. */
export interface Config {
  environment: Environment;
  /** No LASTFM_API_KEY outside production: the built-in emulator stands in for Last.fm. */
  demo: boolean;
  /** Demo mode: the port of the in-process Last.fm emulator (`DEMO_EMULATOR_PORT`, default PORT+1). */
  demoEmulatorPort: number;
  http: {
    /** Where to listen: `HOST`, else 0.0.0.0, or 127.0.0.1 (loopback only) in demo mode. */
    host: string;
    port: number;
    /** The app's public base URL, without trailing slash, e.g. `https://lasso.example`. */
    publicUrl: string;
    /** `publicUrl`'s origin: what Origin/Referer of state-changing requests must equal. */
    publicOrigin: string;
    /** Fastify's `trustProxy`: hops of X-Forwarded-For to trust (the client IP for rate limits). */
    trustProxy: boolean | number;
  };
  lastfm: {
    /** Null in demo mode until the in-process emulator provides one. */
    apiKey: string | null;
    apiSecret: string | null;
    apiUrl: string;
    authUrl: string;
    callbackUrl: string;
    /** Our pace towards Last.fm (its limit is 5/s per IP averaged over 5 minutes). */
    requestsPerSecond: number;
  };
  /**
   * `METRICS_TOKEN`: when set, GET /metrics needs `Authorization: Bearer <token>`. Without it
   * /metrics is open outside production and absent (404) in production.
   */
  metricsToken: string | null;
  sessionSecret: string;
  /** True when SESSION_SECRET was missing outside production and a random one was made. */
  sessionSecretGenerated: boolean;
  database: { url?: string; dataDir: string };
  engine: {
    pollingIntervalMs: number;
    idleStopMinutes: number;
    maxFollowHours: number;
    /** `HISTORY_DAYS`: days follows and their scrobbles are kept; 0 = deleted once settled. */
    historyDays: number;
  };
  logLevel: LogLevel;
  /** Things worth a warning at start-up (never containing secret values). */
  warnings: string[];
}

/** One bad or missing variable: its name and why, never its value. */
export interface ConfigProblem {
  name: string;
  reason: string;
}

/** Every configuration problem at once. The message lists names and reasons, never values. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  constructor(readonly problems: ConfigProblem[]) {
    super(
      `invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((p) => `  ${p.name}: ${p.reason}`).join('\n'),
    );
  }
}

type Env = Record<string, string | undefined>;

const int = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));

const positive = z
  .string()
  .regex(/^\d+(\.\d+)?$/, 'must be a number')
  .transform(Number)
  .pipe(z.number().positive('must be more than 0').max(1000, 'must be at most 1000'));

const httpUrl = z.string().refine((s) => {
  if (!URL.canParse(s)) return false;
  const { protocol } = new URL(s);
  return protocol === 'http:' || protocol === 'https:';
}, 'must be an http(s) URL');

const postgresUrl = z
  .string()
  .refine(
    (s) => URL.canParse(s) && /^postgres(ql)?:$/.test(new URL(s).protocol),
    'must be a postgres:// or postgresql:// URL',
  );

const trustProxy = z
  .string()
  .regex(/^(true|false|\d+)$/, 'must be true, false or a number of proxy hops')
  .transform((s) => (s === 'true' ? true : s === 'false' ? false : Number(s)));

/** Collects problems while reading variables, so all of them can be reported at once. */
class Reader {
  readonly problems: ConfigProblem[] = [];

  constructor(private readonly env: Env) {}

  /** The trimmed value, or undefined when unset or blank (blank lines in .env files). */
  raw(name: string): string | undefined {
    const value = this.env[name]?.trim();
    return value ? value : undefined;
  }

  /** Parses `name` with `schema`; records a problem (and returns undefined) when it does not fit. */
  read<T>(name: string, schema: z.ZodType<T, string>, required = false): T | undefined {
    const value = this.raw(name);
    if (value === undefined) {
      if (required) this.problem(name, 'is required in production');
      return undefined;
    }
    const parsed = schema.safeParse(value);
    if (parsed.success) return parsed.data;
    this.problem(name, parsed.error.issues[0]?.message ?? 'is invalid');
    return undefined;
  }

  problem(name: string, reason: string): void {
    this.problems.push({ name, reason });
  }
}

/** Where demo mode listens by default: this machine only. */
export const LOOPBACK_HOST = '127.0.0.1';
/** Where Lasso listens by default outside demo mode (a container's every interface). */
const ALL_INTERFACES = '0.0.0.0';

/** True for an address only this machine can connect to. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || host.startsWith('127.');
}

function isLocalHost(url: string): boolean {
  const host = new URL(url).hostname;
  return host === 'localhost' || host === '127.0.0.1' || host === '[::1]';
}

function readHttp(r: Reader, production: boolean): Config['http'] {
  const port = r.read('PORT', int(0, 65535)) ?? 8080;
  let publicUrl = r.read('PUBLIC_URL', httpUrl, production) ?? `http://localhost:${port}`;
  const parsed = new URL(publicUrl);
  if (parsed.pathname !== '/' || parsed.search || parsed.hash) {
    r.problem('PUBLIC_URL', 'must be an origin only (no path, query or fragment)');
  } else if (production && parsed.protocol !== 'https:' && !isLocalHost(publicUrl)) {
    r.problem('PUBLIC_URL', 'must be https in production');
  }
  publicUrl = parsed.origin;
  return {
    // Set by loadConfig once demo mode is known: its default depends on it.
    host: r.raw('HOST') ?? '',
    port,
    publicUrl,
    publicOrigin: parsed.origin,
    // Cloud Run puts one Google front end before the container: trust exactly that hop.
    trustProxy: r.read('TRUST_PROXY', trustProxy) ?? (production ? 1 : false),
  };
}

function readLastfm(r: Reader, production: boolean, publicUrl: string): Config['lastfm'] {
  const apiKey = r.read('LASTFM_API_KEY', z.string(), production) ?? null;
  const apiSecret = r.read('LASTFM_API_SECRET', z.string(), production) ?? null;
  if (!production && apiKey !== null && apiSecret === null) {
    r.problem('LASTFM_API_SECRET', 'is required when LASTFM_API_KEY is set');
  }
  const callbackUrl = r.read('OAUTH_CALLBACK_URL', httpUrl) ?? `${publicUrl}/api/auth/callback`;
  // The callback must reach this app's origin, or the browser will not send the state cookie.
  if (URL.canParse(callbackUrl) && new URL(callbackUrl).origin !== new URL(publicUrl).origin) {
    r.problem('OAUTH_CALLBACK_URL', "must be on PUBLIC_URL's origin");
  }
  return {
    apiKey,
    apiSecret,
    apiUrl: readLastfmUrl(r, 'LASTFM_API_URL', production) ?? 'https://ws.audioscrobbler.com/2.0/',
    authUrl: readLastfmUrl(r, 'LASTFM_AUTH_URL', production) ?? 'https://www.last.fm/api/auth/',
    callbackUrl,
    // Below Last.fm's 5/s so bursts from retries and other instances stay under it.
    requestsPerSecond: r.read('LASTFM_REQUESTS_PER_SECOND', positive) ?? 4,
  };
}

/**
 * A Last.fm URL: https in production, where the API calls carry session keys and the consent page
 * hands out tokens (plain http only to a loopback address, e.g. a local emulator, as for PUBLIC_URL).
 */
function readLastfmUrl(r: Reader, name: string, production: boolean): string | undefined {
  const url = r.read(name, httpUrl);
  if (url !== undefined && production && new URL(url).protocol !== 'https:' && !isLocalHost(url)) {
    r.problem(name, 'must be https in production');
    return undefined;
  }
  return url;
}

function readSessionSecret(
  r: Reader,
  production: boolean,
  generate: () => string,
): { sessionSecret: string; sessionSecretGenerated: boolean } {
  const secret = r.read('SESSION_SECRET', z.string(), production);
  if (secret !== undefined) {
    if (secret.length < MIN_SESSION_SECRET_LENGTH && production) {
      r.problem('SESSION_SECRET', `must have at least ${MIN_SESSION_SECRET_LENGTH} characters`);
    }
    return { sessionSecret: secret, sessionSecretGenerated: false };
  }
  return { sessionSecret: generate(), sessionSecretGenerated: true };
}

function warningsFor(config: Omit<Config, 'warnings'>): string[] {
  const warnings: string[] = [];
  if (config.sessionSecretGenerated) {
    warnings.push(
      'SESSION_SECRET is not set: using a random secret for this process; sessions and stored ' +
        'Last.fm keys will not survive a restart',
    );
  } else if (config.sessionSecret.length < MIN_SESSION_SECRET_LENGTH) {
    warnings.push(`SESSION_SECRET is shorter than ${MIN_SESSION_SECRET_LENGTH} characters`);
  }
  if (config.environment === 'production' && config.metricsToken === null) {
    warnings.push('METRICS_TOKEN is not set: /metrics is not served (404)');
  }
  if (config.demo) warnings.push('no LASTFM_API_KEY: demo mode with the built-in Last.fm emulator');
  if (config.demo && !isLoopbackHost(config.http.host)) {
    warnings.push(
      `demo mode listening on ${config.http.host}: anyone who can reach it can sign in as a ` +
        'demo user through its simulated Last.fm',
    );
  }
  return warnings;
}

/** A fresh 256-bit secret, for development without SESSION_SECRET. */
function randomSecret(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * Reads and validates the configuration. Throws one `ConfigError` listing every invalid
 * variable (and, in production, every missing one). `generateSecret` is for tests.
 */
export function loadConfig(
  env: Env = process.env,
  generateSecret: () => string = randomSecret,
): Config {
  const r = new Reader(env);
  const environment =
    r.read('ENVIRONMENT', z.enum(ENVIRONMENTS, 'must be one of ' + ENVIRONMENTS.join(', '))) ??
    'development';
  const production = environment === 'production';
  const http = readHttp(r, production);
  const lastfm = readLastfm(r, production, http.publicUrl);
  const secret = readSessionSecret(r, production, generateSecret);
  const databaseUrl = r.read('DATABASE_URL', postgresUrl);
  const metricsToken = r.read(
    'METRICS_TOKEN',
    z
      .string()
      .min(MIN_METRICS_TOKEN_LENGTH, `must have at least ${MIN_METRICS_TOKEN_LENGTH} characters`),
  );
  const demo = lastfm.apiKey === null && !production;
  // Demo mode's emulator lets anyone who reaches it approve a sign-in as a demo user: keep the
  // app and it on this machine unless HOST asks for more.
  if (http.host === '') http.host = demo ? LOOPBACK_HOST : ALL_INTERFACES;
  const config = {
    environment,
    demo,
    demoEmulatorPort:
      r.read('DEMO_EMULATOR_PORT', int(0, 65_535)) ??
      (http.port === 0 || http.port >= 65_535 ? 0 : http.port + 1),
    http,
    lastfm,
    metricsToken: metricsToken ?? null,
    ...secret,
    database: {
      dataDir: r.raw('DATA_DIR') ?? './data',
      ...(databaseUrl ? { url: databaseUrl } : {}),
    },
    engine: {
      pollingIntervalMs: r.read('POLLING_INTERVAL_MS', int(1000, 3_600_000)) ?? 20_000,
      idleStopMinutes: r.read('IDLE_STOP_MINUTES', int(1, 24 * 60)) ?? 30,
      maxFollowHours: r.read('MAX_FOLLOW_HOURS', int(1, 14 * 24)) ?? 12,
      // Ten years is plenty; 0 keeps nothing once a follow has stopped and settled.
      historyDays: r.read('HISTORY_DAYS', int(0, 3650)) ?? 30,
    },
    logLevel:
      r.read('LOG_LEVEL', z.enum(LOG_LEVELS, 'must be one of ' + LOG_LEVELS.join(', '))) ?? 'info',
  };
  if (r.problems.length > 0) throw new ConfigError(r.problems);
  return { ...config, warnings: warningsFor(config) };
}
