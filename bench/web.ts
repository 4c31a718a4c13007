/**
 * `npm run bench:web [-- --runs N --json]`: the web app's budgets, from the built files in
 * dist/web and a real server. (1) First-load JavaScript and CSS, gzipped, of what the signed-in
 * following screen loads (the entry's scripts, preloads and stylesheets: the app has no lazy
 * chunks). (2) Lighthouse (mobile preset: emulated phone, simulated slow 4G and 4× CPU) on that
 * screen, driving Debian's Chromium: performance, accessibility, best practices, median of N
 * runs. Budgets: JS ≤ 80 KB, CSS ≤ 15 KB, each score ≥ 95. Writes bench/out/web.json.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import * as chromeLauncher from 'chrome-launcher';
import lighthouse from 'lighthouse';
import {
  follow,
  freePort,
  HOST,
  hostScrobbles,
  lassoEnv,
  signIn,
  startBenchEmulator,
  status,
  waitUntil,
} from './http/setup.js';
import { numberArg, parseArgs, table } from './stats.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const WEB = path.join(ROOT, 'dist/web');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const BUDGET = { jsKb: 80, cssKb: 15, score: 95 };
const CATEGORIES = ['performance', 'accessibility', 'best-practices'] as const;
/** The performance metrics printed beside the scores (CLS in thousandths). */
const METRICS = {
  fcpMs: 'first-contentful-paint',
  lcpMs: 'largest-contentful-paint',
  siMs: 'speed-index',
  tbtMs: 'total-blocking-time',
  cls: 'cumulative-layout-shift',
} as const;

/** The files index.html makes the browser load at once, by kind. */
async function firstLoad(): Promise<{ js: string[]; css: string[] }> {
  const html = await readFile(path.join(WEB, 'index.html'), 'utf8');
  const js = [
    ...html.matchAll(/<script[^>]*src="([^"]+)"/g),
    ...html.matchAll(/<link[^>]*rel="modulepreload"[^>]*href="([^"]+)"/g),
  ];
  const css = [...html.matchAll(/<link[^>]*rel="stylesheet"[^>]*href="([^"]+)"/g)];
  return { js: js.map((m) => m[1] ?? ''), css: css.map((m) => m[1] ?? '') };
}

async function gzippedKb(files: readonly string[]): Promise<number> {
  let bytes = 0;
  for (const file of files)
    bytes += gzipSync(await readFile(path.join(WEB, file)), { level: 9 }).length;
  return bytes / 1024;
}

/** Lasso built, on a scratch store, with a guest following a host whose tracks were mirrored. */
async function startScene(): Promise<{ url: string; cookie: string; stop: () => Promise<void> }> {
  const guest = 'bench_guest';
  const emu = await startBenchEmulator([guest]);
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'lasso-bench-web-'));
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  // Development, not production: production's CSP upgrades requests to https, which a plain
  // loopback server does not speak. Everything the browser loads is the same.
  const env = { ...process.env, ...lassoEnv(emu, port, dataDir), ENVIRONMENT: 'development' };
  const child = spawn(process.execPath, [path.join(ROOT, 'dist/server/main.js')], {
    env,
    stdio: 'ignore',
  });
  const stop = async () => {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    await emu.close();
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    await waitUntil(
      async () => (await fetch(`${origin}/readyz`).catch(() => null))?.ok === true,
      60_000,
      'Lasso ready',
    );
    const cookie = await signIn(origin, guest);
    await follow(origin, cookie);
    await new Promise((r) => setTimeout(r, 1_100));
    emu.addScrobble(HOST, hostScrobbles(6, Math.floor(Date.now() / 1000)));
    emu.setNowPlaying(HOST, { artist: 'Björk', track: 'Jóga', album: 'Homogenic', duration: 300 });
    await waitUntil(
      async () => (await status(origin, cookie)).scrobble_count === 6,
      30_000,
      'scrobbles mirrored',
    );
    return { url: `${origin}/`, cookie, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function lighthouseRun(url: string, cookie: string): Promise<Record<string, number>> {
  const chrome = await chromeLauncher.launch({
    chromePath: CHROMIUM,
    chromeFlags: [
      '--headless=new',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  try {
    const result = await lighthouse(url, {
      port: chrome.port,
      output: 'json',
      logLevel: 'error',
      onlyCategories: [...CATEGORIES],
      extraHeaders: { Cookie: cookie },
    });
    if (!result) throw new Error('Lighthouse returned nothing');
    const scores: Record<string, number> = {};
    for (const c of CATEGORIES)
      scores[c] = Math.round((result.lhr.categories[c]?.score ?? 0) * 100);
    for (const [key, audit] of Object.entries(METRICS)) {
      const value = Number(result.lhr.audits[audit]?.numericValue ?? 0);
      scores[key] = Math.round(key === 'cls' ? value * 1000 : value);
    }
    return scores;
  } finally {
    chrome.kill();
  }
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const runs = numberArg(args, 'runs', 3);
  if (!existsSync(path.join(WEB, 'index.html')))
    throw new Error('dist/web is missing: run npm run build');
  if (!existsSync(CHROMIUM))
    throw new Error(`Chromium not found at ${CHROMIUM} (set CHROMIUM_PATH)`);
  const files = await firstLoad();
  const jsKb = await gzippedKb(files.js);
  const cssKb = await gzippedKb(files.css);

  const scene = await startScene();
  const all: Array<Record<string, number>> = [];
  try {
    for (let i = 0; i < runs; i++) all.push(await lighthouseRun(scene.url, scene.cookie));
  } finally {
    await scene.stop();
  }
  const scores = Object.fromEntries(
    [...CATEGORIES, ...Object.keys(METRICS)].map((k) => [k, median(all.map((r) => r[k] ?? 0))]),
  );
  const ok = (pass: boolean) => (pass ? '✓' : '✗');
  const report = { files, jsKb, cssKb, runs: all, median: scores, budget: BUDGET };
  await mkdir(path.join(ROOT, 'bench/out'), { recursive: true });
  await writeFile(path.join(ROOT, 'bench/out/web.json'), JSON.stringify(report, null, 2));
  if (args.get('json') === true) {
    console.log(JSON.stringify(report, null, 2));
    return;
  }
  console.log(
    table([
      ['measure', 'figure', 'budget', ''],
      [
        'first-load JS (gzip)',
        `${jsKb.toFixed(1)} KB`,
        `≤ ${BUDGET.jsKb} KB`,
        ok(jsKb <= BUDGET.jsKb),
      ],
      [
        'first-load CSS (gzip)',
        `${cssKb.toFixed(1)} KB`,
        `≤ ${BUDGET.cssKb} KB`,
        ok(cssKb <= BUDGET.cssKb),
      ],
      ...CATEGORIES.map((c) => [
        `Lighthouse ${c} (median of ${runs})`,
        String(scores[c]),
        `≥ ${BUDGET.score}`,
        ok((scores[c] ?? 0) >= BUDGET.score),
      ]),
      [
        'Lighthouse FCP / LCP / Speed Index',
        `${scores.fcpMs} / ${scores.lcpMs} / ${scores.siMs} ms`,
        '',
        '',
      ],
      ['Lighthouse TBT / CLS', `${scores.tbtMs} ms / ${(scores.cls ?? 0) / 1000}`, '', ''],
    ]),
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
