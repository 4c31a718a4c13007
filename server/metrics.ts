/**
 * Prometheus metrics on a registry of their own (not prom-client's global one, so tests can
 * build many apps). Engine and client record through the typed handles; gauges that are cheaper
 * to ask for than to track (active follows, outbox backlog) read a collector at scrape time.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** What became of a host scrobble sent for a guest. */
export type MirrorResult = 'accepted' | 'ignored' | 'failed';

/** How a Last.fm call ended: `ok`, or the `LastfmErrorKind` it failed with. */
export type LastfmCallOutcome =
  'ok' | 'retryable' | 'auth_revoked' | 'user_not_found' | 'private' | 'fatal';

/** A number read at scrape time (e.g. a COUNT query). */
export type GaugeCollector = () => Promise<number> | number;

/** The application's metrics. */
export interface Metrics {
  readonly registry: Registry;
  /** One host poll done (one `user.getRecentTracks` round, however many followers). */
  hostPolled(): void;
  /** `n` scrobbles reached a final result. */
  scrobblesMirrored(result: MirrorResult, n?: number): void;
  /** One Last.fm call ended. `method` is Last.fm's, e.g. `track.scrobble`. */
  lastfmCall(method: string, outcome: LastfmCallOutcome): void;
  /** How long one host poll took, in seconds (measured with the injected clock). */
  observePollDuration(seconds: number): void;
  setActiveFollowsCollector(fn: GaugeCollector): void;
  setOutboxPendingCollector(fn: GaugeCollector): void;
  /** The exposition text and its content type, for GET /metrics. */
  render(): Promise<{ contentType: string; body: string }>;
}

/** A gauge whose value is read from `collector()` at scrape time; a failing collector keeps the last value. */
function collectedGauge(registry: Registry, name: string, help: string) {
  let collector: GaugeCollector | null = null;
  new Gauge({
    name,
    help,
    registers: [registry],
    async collect() {
      if (!collector) return;
      try {
        this.set(await collector());
      } catch {
        // A scrape must not fail because the database is briefly away; the old value stays.
      }
    },
  });
  return (fn: GaugeCollector) => {
    collector = fn;
  };
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
  const setActiveFollowsCollector = collectedGauge(
    registry,
    'lasso_active_follows',
    'Follows in state active',
  );
  const setOutboxPendingCollector = collectedGauge(
    registry,
    'lasso_outbox_pending',
    'Outbox rows waiting to be sent to Last.fm',
  );
  return {
    registry,
    hostPolled: () => hostsPolled.inc(),
    scrobblesMirrored: (result, n = 1) => mirrored.inc({ result }, n),
    lastfmCall: (method, outcome) => calls.inc({ method, outcome }),
    observePollDuration: (seconds) => pollDuration.observe(seconds),
    setActiveFollowsCollector,
    setOutboxPendingCollector,
    render: async () => ({ contentType: registry.contentType, body: await registry.metrics() }),
  };
}
