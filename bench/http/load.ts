/**
 * One autocannon measurement against a server in a child process: an unmeasured warm-up (so
 * both servers are compared after the JIT has settled), then the measured run, with the CPU,
 * memory and event-loop delay of the server and of this (client) process meanwhile.
 */
import autocannon from 'autocannon';
import { median } from '../stats.js';
import { createProcessSampler, type LoopDelay, type ServerChild } from './child.js';

/** autocannon settings shared by every measurement of a run. */
export interface LoadSettings {
  connections: number;
  pipelining: number;
  durationS: number;
  warmupS: number;
}

/** What one measurement found. */
export interface LoadFigures {
  url: string;
  requestsPerSecMean: number;
  latencyP50Ms: number;
  latencyP90Ms: number;
  latencyP99Ms: number;
  latencyMaxMs: number;
  latencyMeanMs: number;
  requestsTotal: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** Server CPU time ÷ wall time: 1.0 = one core busy the whole run. */
  serverCores: number;
  /** The same for this process (autocannon, and the idle stream sockets and emulator). */
  clientCores: number;
  serverRssMb: number;
  /** The server's highest RSS during the measured run. */
  serverPeakRssMb: number;
  /** How late the server's event loop ran during the measured run: queueing inside the server. */
  serverLoopDelay: LoopDelay;
  /** The same for this process: a late client loop adds to every latency it measures. */
  clientLoopDelay: LoopDelay;
  /** The measured wall time, in seconds (the sum of the slices for `combineFigures`). */
  wallS: number;
}

function run(
  url: string,
  s: LoadSettings,
  durationS: number,
  cookies: readonly string[],
): Promise<autocannon.Result> {
  let next = 0;
  return autocannon({
    url,
    connections: s.connections,
    pipelining: s.pipelining,
    duration: durationS,
    // Each connection is one browser: the guests' sessions are spread over the connections.
    setupClient: (client) => {
      const cookie = cookies[next++ % Math.max(1, cookies.length)];
      if (cookie !== undefined) client.setHeaders({ cookie });
    },
  });
}

/**
 * Warms `server` up (for `settings.warmupS`; 0: none), then measures `url` for
 * `settings.durationS`, sending `cookies` round-robin.
 */
export async function measure(
  server: ServerChild,
  url: string,
  settings: LoadSettings,
  cookies: readonly string[] = [],
): Promise<LoadFigures> {
  if (settings.warmupS > 0) await run(url, settings, settings.warmupS, cookies);
  const client = createProcessSampler();
  const serverBefore = await server.sample();
  const clientBefore = client.sample();
  const startedAt = performance.now();
  const result = await run(url, settings, settings.durationS, cookies);
  const wallMicros = (performance.now() - startedAt) * 1000;
  const serverAfter = await server.sample();
  const clientAfter = client.sample();
  client.stop();
  return {
    url,
    requestsPerSecMean: result.requests.mean,
    latencyP50Ms: result.latency.p50,
    latencyP90Ms: result.latency.p90,
    latencyP99Ms: result.latency.p99,
    latencyMaxMs: result.latency.max,
    latencyMeanMs: result.latency.mean,
    requestsTotal: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    serverCores: (serverAfter.cpuMicros - serverBefore.cpuMicros) / wallMicros,
    clientCores: (clientAfter.cpuMicros - clientBefore.cpuMicros) / wallMicros,
    serverRssMb: serverAfter.rssBytes / 2 ** 20,
    serverPeakRssMb: serverAfter.peakRssBytes / 2 ** 20,
    serverLoopDelay: serverAfter.loopDelay,
    clientLoopDelay: clientAfter.loopDelay,
    wallS: wallMicros / 1e6,
  };
}

/**
 * The figures of one URL measured in several slices, as one measurement: requests per second
 * and cores over the slices' summed wall time, counts summed, the median slice's p50s, the
 * worst slice's p90, p99 and max (a tail seen in any slice is kept), the last slice's RSS.
 */
export function combineFigures(slices: readonly LoadFigures[]): LoadFigures {
  const last = slices.at(-1);
  if (last === undefined) throw new Error('combineFigures: no slices');
  const sum = (f: (x: LoadFigures) => number): number => slices.reduce((a, x) => a + f(x), 0);
  const max = (f: (x: LoadFigures) => number): number => Math.max(...slices.map(f));
  const wallS = sum((x) => x.wallS);
  const requestsTotal = sum((x) => x.requestsTotal);
  const loop = (f: (x: LoadFigures) => LoopDelay): LoopDelay => ({
    p50Ms: median(slices.map((x) => f(x).p50Ms)),
    p99Ms: max((x) => f(x).p99Ms),
    maxMs: max((x) => f(x).maxMs),
  });
  return {
    url: last.url,
    requestsPerSecMean: wallS > 0 ? requestsTotal / wallS : 0,
    latencyP50Ms: median(slices.map((x) => x.latencyP50Ms)),
    latencyP90Ms: max((x) => x.latencyP90Ms),
    latencyP99Ms: max((x) => x.latencyP99Ms),
    latencyMaxMs: max((x) => x.latencyMaxMs),
    latencyMeanMs:
      requestsTotal > 0 ? sum((x) => x.latencyMeanMs * x.requestsTotal) / requestsTotal : 0,
    requestsTotal,
    non2xx: sum((x) => x.non2xx),
    errors: sum((x) => x.errors),
    timeouts: sum((x) => x.timeouts),
    serverCores: wallS > 0 ? sum((x) => x.serverCores * x.wallS) / wallS : 0,
    clientCores: wallS > 0 ? sum((x) => x.clientCores * x.wallS) / wallS : 0,
    serverRssMb: last.serverRssMb,
    serverPeakRssMb: max((x) => x.serverPeakRssMb),
    serverLoopDelay: loop((x) => x.serverLoopDelay),
    clientLoopDelay: loop((x) => x.clientLoopDelay),
    wallS,
  };
}
