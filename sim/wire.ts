/**
 * The HTTP side of a simulation: Last.fm clients whose transport counts requests in flight (so
 * the driver knows when socket I/O has settled) and can be cut off when their "process" crashes,
 * and a ledger that watches every `track.scrobble` request to time acceptances and catch
 * resubmissions of what Last.fm already holds.
 */
import type { Clock } from '../lib/clock.js';
import { seededRandom } from '../lib/random.js';
import { createLastfmClient } from '../lastfm/client.js';
import type { HttpRequest, Transport } from '../lastfm/transport.js';
import { undiciTransport } from '../lastfm/transport.js';
import type { LastfmApi, RateLimiter } from '../lastfm/types.js';
import type { Progress } from './progress.js';
import { scrobbleKey, type LibraryRow } from './oracle.js';

/** The simulation's API application. */
export const SIM_API_KEY = 'b25b959554ed76058ac220b7b2e0a026';
export const SIM_API_SECRET = 'simulation-shared-secret';

/** Never waits: simulations count calls at the emulator instead of pacing them. */
export const noLimiter: RateLimiter = { acquire: async () => undefined };

/** Thrown by the transport of a crashed process: nothing it sends reaches Last.fm. */
export class CrashedError extends Error {
  override readonly name = 'CrashedError';
  readonly code = 'SIM_CRASHED';
}

/** One scrobble request as sent. */
interface ScrobbleRequest {
  sessionKey: string;
  items: Array<{ artist: string; track: string; timestamp: number }>;
}

/** Reads a `track.scrobble` POST body (`artist[i]`, `track[i]`, `timestamp[i]`, `sk`). */
export function parseScrobbleRequest(req: HttpRequest): ScrobbleRequest | null {
  if (req.method !== 'POST' || !req.body) return null;
  const p = new URLSearchParams(req.body);
  if (p.get('method')?.toLowerCase() !== 'track.scrobble') return null;
  const items: ScrobbleRequest['items'] = [];
  for (let i = 0; p.has(`artist[${i}]`); i++) {
    items.push({
      artist: p.get(`artist[${i}]`) ?? '',
      track: p.get(`track[${i}]`) ?? '',
      timestamp: Number(p.get(`timestamp[${i}]`)),
    });
  }
  return { sessionKey: p.get('sk') ?? '', items };
}

/** Reads a guest's library (the emulator's control API). */
export type LibraryReader = (user: string) => LibraryRow[];

/**
 * Watches scrobble requests: an item already in the guest's library when it is sent again, or
 * sent twice in one request, is a duplicate submission; an item first found in the library after a request is stamped with that
 * request's time (the emulator records it on arrival, and simulated time stands still while a
 * request is in flight).
 */
export class ScrobbleLedger {
  private readonly users = new Map<string, string>();
  private readonly accepted = new Map<string, Map<string, number>>();
  duplicates = 0;
  readonly duplicateItems: Array<{ user: string; key: string; at: number }> = [];

  constructor(
    private readonly library: LibraryReader,
    private readonly clock: Clock,
  ) {}

  /** Tells the ledger whose session key this is. */
  addSession(sessionKey: string, user: string): void {
    this.users.set(sessionKey, user);
  }

  /** When each of the user's scrobbles was recorded (ms), by `scrobbleKey`. */
  acceptedAt(user: string): ReadonlyMap<string, number> {
    return this.accepted.get(user) ?? new Map<string, number>();
  }

  /** Call before a request goes out; returns what to call when it is done (or null). */
  watch(req: HttpRequest): (() => void) | null {
    const parsed = parseScrobbleRequest(req);
    if (!parsed) return null;
    const user = this.users.get(parsed.sessionKey);
    if (!user) return null;
    const at = this.clock.now();
    const before = new Set(this.library(user).map(scrobbleKey));
    // The same item twice in one request is a duplicate too (Last.fm keeps one, silently).
    const inRequest = new Set<string>();
    for (const item of parsed.items) {
      const key = scrobbleKey(item);
      if (before.has(key) || inRequest.has(key)) {
        this.duplicates += 1;
        this.duplicateItems.push({ user, key, at });
      }
      inRequest.add(key);
    }
    return () => {
      const after = new Set(this.library(user).map(scrobbleKey));
      let stamps = this.accepted.get(user);
      if (!stamps) this.accepted.set(user, (stamps = new Map<string, number>()));
      for (const item of parsed.items) {
        const key = scrobbleKey(item);
        if (after.has(key) && !before.has(key) && !stamps.has(key)) stamps.set(key, at);
      }
    };
  }
}

/** Counts of the HTTP side, read by the driver. */
export interface WireState {
  /** Requests sent and not yet answered or failed. */
  inflight: number;
  /** Requests the emulator holds on its clock (a "timeout" fault, latency). */
  held: number;
}

/** Options of `SimWire.client`. */
export interface SimClientOptions {
  apiUrl: string;
  clock: Clock;
  seed: number;
  /** True once the owning process has crashed: requests then fail without being sent. */
  crashed?: () => boolean;
  /** Real ms; only a safety net, since faults are timed on the simulated clock. */
  timeoutMs?: number;
}

/** Builds clients that share one in-flight count and one ledger. */
export class SimWire implements WireState {
  inflight = 0;
  /** Sleepers of the emulator's clock (see `countingClock`): requests it holds. */
  readonly emulatorSleepers = { held: 0 };
  private readonly base: Transport = undiciTransport();

  get held(): number {
    return this.emulatorSleepers.held;
  }

  constructor(
    private readonly progress: Progress,
    readonly ledger: ScrobbleLedger | null,
  ) {}

  /** The counting (and crashable) transport. */
  transport(crashed?: () => boolean): Transport {
    return async (req) => {
      if (crashed?.()) throw new CrashedError('the process crashed');
      const done = this.ledger?.watch(req) ?? null;
      this.inflight += 1;
      this.progress.bump();
      try {
        return await this.base(req);
      } finally {
        this.inflight -= 1;
        done?.();
        this.progress.bump();
      }
    };
  }

  /** A Lasso client on this wire, with no local rate limiter. */
  client(opts: SimClientOptions): LastfmApi {
    return createLastfmClient({
      apiKey: SIM_API_KEY,
      apiSecret: SIM_API_SECRET,
      apiUrl: opts.apiUrl,
      clock: opts.clock,
      random: seededRandom(opts.seed),
      rateLimiter: noLimiter,
      timeoutMs: opts.timeoutMs ?? 60_000,
      transport: this.transport(opts.crashed),
    });
  }
}
