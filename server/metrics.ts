/**
 * Prometheus metrics on a registry of their own (not prom-client's global one, so tests can
 * build many apps). Engine and client record through the typed handles. The store's gauges (active
 * follows, outbox backlog) are set from memory by a background refresh (`store-gauges.ts`): a
 * scrape never queries the database.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** What became of a host scrobble sent for a guest. */
export type MirrorResult = 'accepted' | 'ignored' | 'failed';

/**
 * How a Last.fm call ended: `ok`, `rate_limited` (error 29 or HTTP 429: counted apart from the
 * other retryable failures, since it means Lasso's pace is too fast, not that Last.fm is down), or
 * the `LastfmErrorKind` it failed with.
 */
export type LastfmCallOutcome =
  'ok' | 'rate_limited' | 'retryable' | 'auth_revoked' | 'user_not_found' | 'private' | 'fatal';

/** The outcome label of a Last.fm call that ended with `error` (none: `ok`). */
export function lastfmCallOutcome(
  error: { kind: Exclude<LastfmCallOutcome, 'ok' | 'rate_limited'>; rateLimited: boolean } | null,
): LastfmCallOutcome {
  if (error === null) return 'ok';
  return error.rateLimited ? 'rate_limited' : error.kind;
}

/** The store's gauges, as last counted. */
export interface StoreGauges {
  /** Follows in state `active`. */
  activeFollows: number;
  /** Outbox rows `pending` or `sending`. */
  outboxPending: number;
  /** Hosts whose next poll is more than `HOST_OVERDUE_MS` late (nobody is polling them). */
  hostsOverdue: number;
  /** Guests whose sending waits for Last.fm's daily scrobble limit to reset. */
  heldGuests: number;
}

/** The application's metrics. */
export interface Metrics {
  readonly registry: Registry;
  /** One host poll done (one `user.getRecentTracks` round, however many followers). */
  hostPolled(): void;
  /** `n` scrobbles reached a final result. */
  scrobblesMirrored(result: MirrorResult, n?: number): void;
  /** `n` host scrobbles were recorded for guests as not added, never sent, for `reason`. */
  scrobblesSkipped(reason: string, n?: number): void;
  /** One Last.fm call ended. `method` is Last.fm's, e.g. `track.scrobble`. */
  lastfmCall(method: string, outcome: LastfmCallOutcome): void;
  /** How long one host poll took, in seconds (measured with the injected clock). */
  observePollDuration(seconds: number): void;
  /** One HTTP request answered: its route template (`unmatched` when none), method, status. */
  httpRequest(route: string, method: string, status: number, seconds: number): void;
  /** Sets the store's gauges (what a scrape then shows until the next call). */
  setStoreGauges(gauges: StoreGauges): void;
  /** The exposition text and its content type, for GET /metrics. */
  render(): Promise<{ contentType: string; body: string }>;
}

/** Creates the metrics. `defaultMetrics`: also Node's process metrics (off in tests: they start timers). */
export function createMetrics(options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: 'lasso_' });
  const hostsPolled = new Counter({
    name: 'lasso_hosts_polled_total',
    help: 'Host polls (user.getRecentTracks rounds) done',
    registers: [registry],
  });
  const mirrored = new Counter({
    name: 'lasso_scrobbles_mirrored_total',
    help: 'Host scrobbles sent to guests, by result',
    labelNames: ['result'] as const,
    registers: [registry],
  });
  const skipped = new Counter({
    name: 'lasso_scrobbles_skipped_total',
    help: 'Host scrobbles not copied to guests (shown to them as not added), by reason',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  const calls = new Counter({
    name: 'lasso_lastfm_calls_total',
    help: 'Last.fm API calls, by method and outcome',
    labelNames: ['method', 'outcome'] as const,
    registers: [registry],
  });
  const pollDuration = new Histogram({
    name: 'lasso_poll_duration_seconds',
    help: 'Duration of one host poll',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
    registers: [registry],
  });
  const activeFollows = new Gauge({
    name: 'lasso_active_follows',
    help: 'Follows in state active (counted in the background, every 15 s)',
    registers: [registry],
  });
  const outboxPending = new Gauge({
    name: 'lasso_outbox_pending',
    help: 'Outbox rows waiting to be sent to Last.fm (counted in the background, every 15 s)',
    registers: [registry],
  });
  const hostsOverdue = new Gauge({
    name: 'lasso_hosts_overdue',
    help: 'Hosts whose next poll is over a minute late (counted in the background, every 15 s)',
    registers: [registry],
  });
  const heldGuests = new Gauge({
    name: 'lasso_held_guests',
    help: "Guests held by Last.fm's daily scrobble limit (counted in the background, every 15 s)",
    registers: [registry],
  });
  const httpRequests = new Counter({
    name: 'lasso_http_requests_total',
    help: 'HTTP requests answered, by route template, method and status',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [registry],
  });
  const httpDuration = new Histogram({
    name: 'lasso_http_request_duration_seconds',
    help: 'Time to answer an HTTP request (an event stream: how long it stayed open)',
    labelNames: ['route', 'method'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 3, 10],
    registers: [registry],
  });
  return {
    registry,
    hostPolled: () => hostsPolled.inc(),
    scrobblesMirrored: (result, n = 1) => mirrored.inc({ result }, n),
    scrobblesSkipped: (reason, n = 1) => skipped.inc({ reason }, n),
    lastfmCall: (method, outcome) => calls.inc({ method, outcome }),
    observePollDuration: (seconds) => pollDuration.observe(seconds),
    httpRequest: (route, method, status, seconds) => {
      httpRequests.inc({ route, method, status: String(status) });
      httpDuration.observe({ route, method }, seconds);
    },
    setStoreGauges: (gauges) => {
      activeFollows.set(gauges.activeFollows);
      outboxPending.set(gauges.outboxPending);
      hostsOverdue.set(gauges.hostsOverdue);
      heldGuests.set(gauges.heldGuests);
    },
    render: async () => ({ contentType: registry.contentType, body: await registry.metrics() }),
  };
}
