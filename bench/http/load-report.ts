/**
 * What `npm run load` found on one store, the verdict (what makes the run fail) and the printed
 * and JSON forms. The p99 goal is reported as met or missed, never a failure: the machine is
 * shared, and a latency on it is a figure, not a defect.
 */
import type { LoopDelay } from './child.js';
import type { LoadFigures } from './load.js';
import type { Background } from './quiet.js';
import type { SseFigures } from './sse.js';
import { mark, round, table } from '../stats.js';

/** The latency goal of the status route under the full load. */
export const GOAL_P99_MS = 100;

/** One store's measurement. */
export interface StoreRun {
  store: 'pglite' | 'postgres';
  /** Clients measured, each on its own connection. */
  clients: number;
  /** Distinct signed-in guests spread over them: each has its own status and session caches. */
  guests: number;
  status: LoadFigures;
  sse: SseFigures;
  /** PostgreSQL's backends for the scratch database, in cores; null on PGlite or off Linux. */
  storeCores: number | null;
  /** Every process on the machine, in cores (others' work included); null off Linux. */
  machineCores: number | null;
  /** Connections the kernel turned away from full listen queues meanwhile (machine-wide). */
  listenOverflows: number | null;
  /** A status answer of the first guest, for its size and content. */
  sampleStatus: Record<string, unknown>;
  /** The server with the streams open and no requests: its engine and heartbeats. */
  background: Background;
  /** How long the server took to work off the warm-up's abandoned requests. */
  warmupDrainMs: number;
  /** Cheaper routes under the same load (`--breakdown`); empty without it. */
  breakdown: Array<{ route: string; figures: LoadFigures }>;
}

/** Why the run fails: any error, timeout, non-2xx answer, or stream not open at the end. */
export function failures(run: StoreRun): string[] {
  const { status: f, sse } = run;
  const out: string[] = [];
  if (f.non2xx > 0) out.push(`${f.non2xx} non-2xx status answers`);
  if (f.errors > 0) out.push(`${f.errors} request errors`);
  if (f.timeouts > 0) out.push(`${f.timeouts} request timeouts`);
  if (f.requestsTotal === 0) out.push('no status request answered');
  if (sse.opened < sse.requested) out.push(`${sse.requested - sse.opened} streams never opened`);
  if (sse.dropped > 0) out.push(`${sse.dropped} streams dropped`);
  return out;
}

/** Whether the status route's p99 met the goal. */
export function goalMet(run: StoreRun): boolean {
  return run.status.latencyP99Ms < GOAL_P99_MS;
}

/** The server's CPU time per answered request, in ms; null when none was answered. */
export function cpuMsPerRequest(f: LoadFigures): number | null {
  return f.requestsPerSecMean > 0 ? round((1000 * f.serverCores) / f.requestsPerSecMean, 3) : null;
}

function loopJson(d: LoopDelay) {
  return { p50_ms: round(d.p50Ms, 1), p99_ms: round(d.p99Ms, 1), max_ms: round(d.maxMs, 1) };
}

/** The JSON form of one store's run. */
export function runJson(run: StoreRun) {
  const { status: f, sse } = run;
  const recent = run.sampleStatus.recent_scrobbles;
  return {
    store: run.store,
    requests: f.requestsTotal,
    requests_per_s: round(f.requestsPerSecMean, 1),
    latency_ms: {
      p50: f.latencyP50Ms,
      p90: f.latencyP90Ms,
      p99: f.latencyP99Ms,
      max: f.latencyMaxMs,
      mean: round(f.latencyMeanMs),
    },
    non_2xx: f.non2xx,
    errors: f.errors,
    timeouts: f.timeouts,
    streams: {
      requested: sse.requested,
      opened: sse.opened,
      open_at_end: sse.open,
      dropped: sse.dropped,
      with_live_events: sse.withEvents,
      error_samples: sse.errorSamples,
    },
    server_cores: round(f.serverCores),
    server_cpu_ms_per_request: cpuMsPerRequest(f),
    server_background_cores: round(run.background.cores),
    server_background_loop_delay: loopJson(run.background.loopDelay),
    warmup_drain_s: round(run.warmupDrainMs / 1000, 1),
    requests_per_guest_per_s: round(f.requestsPerSecMean / run.guests, 2),
    server_peak_rss_mb: round(f.serverPeakRssMb, 1),
    server_loop_delay: loopJson(f.serverLoopDelay),
    client_cores: round(f.clientCores),
    client_loop_delay: loopJson(f.clientLoopDelay),
    store_cores: run.storeCores === null ? null : round(run.storeCores),
    machine_cores: run.machineCores === null ? null : round(run.machineCores),
    listen_queue_overflows: run.listenOverflows,
    status_bytes: Buffer.byteLength(JSON.stringify(run.sampleStatus)),
    status_recent_scrobbles: Array.isArray(recent) ? recent.length : 0,
    goal_p99_ms: GOAL_P99_MS,
    goal_met: goalMet(run),
    failures: failures(run),
    breakdown: Object.fromEntries(
      run.breakdown.map(({ route, figures: b }) => [
        route,
        {
          requests_per_s: round(b.requestsPerSecMean, 1),
          latency_ms: { p50: b.latencyP50Ms, p99: b.latencyP99Ms, max: b.latencyMaxMs },
          non_2xx: b.non2xx,
          errors: b.errors,
          server_cores: round(b.serverCores),
          client_cores: round(b.clientCores),
        },
      ]),
    ),
  };
}

const cores = (x: number | null): string => (x === null ? '—' : x.toFixed(2));
const ms = (x: number): string => (Number.isInteger(x) ? String(x) : x.toFixed(1));

/** The printed table: one column per store. */
export function printRuns(runs: readonly StoreRun[]): string {
  const rows: Array<[string, (r: StoreRun) => string]> = [
    [
      'requests (req/s)',
      (r) => `${r.status.requestsTotal} (${r.status.requestsPerSecMean.toFixed(0)})`,
    ],
    ['latency p50 / p90 ms', (r) => `${r.status.latencyP50Ms} / ${r.status.latencyP90Ms}`],
    ['latency p99 / max ms', (r) => `${r.status.latencyP99Ms} / ${r.status.latencyMaxMs}`],
    [`p99 < ${GOAL_P99_MS} ms`, (r) => (goalMet(r) ? '✓ met' : '✗ missed')],
    [
      'non-2xx / errors / timeouts',
      (r) => `${r.status.non2xx} / ${r.status.errors} / ${r.status.timeouts}`,
    ],
    [
      'streams opened / open at end / dropped',
      (r) => `${r.sse.opened} / ${r.sse.open} / ${r.sse.dropped}`,
    ],
    ['requests per guest per s', (r) => (r.status.requestsPerSecMean / r.guests).toFixed(2)],
    ['server CPU ms per request', (r) => String(cpuMsPerRequest(r.status) ?? '—')],
    ['server cores, background (no requests)', (r) => cores(r.background.cores)],
    [
      'server cores / peak RSS MB',
      (r) => `${cores(r.status.serverCores)} / ${r.status.serverPeakRssMb.toFixed(0)}`,
    ],
    [
      'server loop delay p99 / max ms',
      (r) => `${ms(r.status.serverLoopDelay.p99Ms)} / ${ms(r.status.serverLoopDelay.maxMs)}`,
    ],
    [
      'client cores; loop delay p99 ms',
      (r) => `${cores(r.status.clientCores)}; ${ms(r.status.clientLoopDelay.p99Ms)}`,
    ],
    ['PostgreSQL backends cores', (r) => cores(r.storeCores)],
    ['machine cores busy (all processes)', (r) => cores(r.machineCores)],
    ['listen-queue overflows (SYNs dropped)', (r) => String(r.listenOverflows ?? '—')],
    [
      'verdict',
      (r) =>
        failures(r).length === 0
          ? `${mark(true)} no errors`
          : `${mark(false)} ${failures(r).join(', ')}`,
    ],
  ];
  const routes = [...new Set(runs.flatMap((r) => r.breakdown.map((b) => b.route)))];
  for (const route of routes) {
    const of = (r: StoreRun) => r.breakdown.find((b) => b.route === route)?.figures;
    rows.push([
      `${route}: req/s, p50 / p99 ms, server cores`,
      (r) => {
        const b = of(r);
        return b
          ? `${b.requestsPerSecMean.toFixed(0)}, ${b.latencyP50Ms} / ${b.latencyP99Ms}, ${b.serverCores.toFixed(2)}`
          : '—';
      },
    ]);
  }
  return table([
    ['', ...runs.map((r) => r.store)],
    ...rows.map(([name, cell]) => [name, ...runs.map(cell)]),
  ]);
}
