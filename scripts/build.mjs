/**
 * `npm run build [-- --force] [server] [web]`: builds what changed since the last successful
 * build, each step skipped when a content-hash stamp (`build-stamp.mjs`, kept in `dist/.build/`)
 * shows its inputs unchanged and its outputs present:
 *
 * - **server**: `tsc -p tsconfig.build.json` (incremental) into `dist/`, the SQL migrations
 *   copied to `dist/store/migrations`, then `dist/server/main.js` replaced by an esbuild bundle
 *   of the server and its packages, split into chunks loaded as needed (`bundleServer`);
 * - **snapshot**: a migrated, empty PGlite data folder, `dist/store/pglite-snapshot.tar`, that a
 *   fresh embedded store starts from instead of running `initdb` (`store/pglite-snapshot.ts`);
 * - **web**: `vite build` into `dist/web`; its inputs are every file under `web/` (Tailwind
 *   scans them all for class names) and `contract/`, plus every file outside `node_modules` in
 *   Vite's module graph (recorded at each build: whatever else the app imports).
 *
 * Every step also depends on `package-lock.json` (installed packages), the TypeScript configs
 * and this script. `--force` rebuilds everything. With no step named, all three run; `server`
 * includes the snapshot.
 */
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { cpSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { listFiles, stamp } from './build-stamp.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** What every step depends on besides its own sources. */
const COMMON = [
  'package.json',
  'package-lock.json',
  'tsconfig.json',
  'scripts/build.mjs',
  'scripts/build-stamp.mjs',
];
/** `tsconfig.build.json`'s include; its exclude is mirrored by `serverSource`. */
const SERVER_DIRS = ['lib', 'lastfm', 'emulator', 'engine', 'store', 'server', 'contract'];

/** A file tsc compiles (or reads: JSON, declarations) or the build copies (migrations). */
function serverSource(file) {
  if (file.endsWith('.test.ts') || file.includes('/test-support/')) return false;
  return /\.(ts|mts|cts|json|sql)$/.test(file);
}

const steps = {
  server: {
    inputs: () => [...COMMON, 'tsconfig.build.json', ...listFiles(ROOT, SERVER_DIRS, serverSource)],
    outputs: ['dist/server/main.js', 'dist/store/migrations'],
    async run() {
      const tsc = path.join(ROOT, 'node_modules/typescript/bin/tsc');
      const buildInfo = 'dist/.build/server.tsbuildinfo';
      const args = [
        tsc,
        '-p',
        'tsconfig.build.json',
        '--incremental',
        '--tsBuildInfoFile',
        buildInfo,
      ];
      const { status } = spawnSync(process.execPath, args, { cwd: ROOT, stdio: 'inherit' });
      if (status !== 0) throw new Error(`tsc failed (exit ${status})`);
      // A migration removed from the source must not linger in the build.
      rmSync(path.join(ROOT, 'dist/store/migrations'), { recursive: true, force: true });
      cpSync(path.join(ROOT, 'store/migrations'), path.join(ROOT, 'dist/store/migrations'), {
        recursive: true,
      });
      await bundleServer();
      return [];
    },
  },
  snapshot: {
    inputs: () => [
      ...COMMON,
      'node_modules/@electric-sql/pglite/package.json',
      'dist/store/pglite-snapshot.js',
      'dist/store/migrate.js',
      'dist/store/migration-files.js',
      ...listFiles(ROOT, ['store/migrations']),
    ],
    outputs: ['dist/store/pglite-snapshot.tar', 'dist/store/pglite-snapshot.json'],
    async run() {
      const url = pathToFileURL(path.join(ROOT, 'dist/store/pglite-snapshot.js')).href;
      const { writeSnapshot } = await import(url);
      await writeSnapshot(path.join(ROOT, 'dist/store'));
      return [];
    },
  },
  web: {
    inputs: () => [
      ...COMMON,
      'vite.config.ts',
      ...listFiles(ROOT, ['web', 'contract'], (f) => !/\.test\.tsx?$/.test(f)),
    ],
    outputs: ['dist/web/index.html'],
    async run() {
      const { build } = await import('vite');
      const read = new Set();
      // vite.config.ts (found from the working directory, the repository root) says the rest.
      await build({ logLevel: 'warn', plugins: [recordReads(read)] });
      return [...read];
    },
  },
};

/** The process's entry: the bundle replaces tsc's output of `server/main.ts`. */
const SERVER_ENTRY = 'dist/server/main.js';

/** The bundle's other files, beside the entry: `chunk-<hash>.js` (and their maps). */
const CHUNK = /^chunk-[A-Z0-9]+\.js(\.map)?$/;

/**
 * Bundles `server/main.ts` and every package it imports into `dist/server/main.js` and the chunks
 * it loads. Node's ES module loader spends most of a PostgreSQL start resolving and linking the
 * ~1,200 files a start loads (kysely alone is 289); a bundle halves it (README "Benchmarks" →
 * Start-up). Code splitting keeps the entry small: what `main.ts` imports statically (the config,
 * the logger, the PGlite thread's start) is all Node must read before PGlite's thread starts,
 * and the rest (`import()` of the store and the HTTP stack) is read while PGlite starts. The rest
 * of `dist/` stays tsc's output: the PGlite worker thread, the snapshot step and the migrations
 * are read from there. PGlite stays a package, since it finds its WebAssembly beside its module.
 */
async function bundleServer() {
  const { build } = await import('esbuild');
  const outdir = path.join(ROOT, path.dirname(SERVER_ENTRY));
  // tsc wrote the entry's unbundled output; chunks of an earlier bundle would linger.
  for (const file of readdirSync(outdir)) {
    if (CHUNK.test(file)) rmSync(path.join(outdir, file));
  }
  await build({
    entryPoints: { main: path.join(ROOT, 'server/main.ts') },
    outdir,
    bundle: true,
    splitting: true,
    chunkNames: 'chunk-[hash]',
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // Whitespace and syntax minified: Node decodes and compiles the whole file at every start.
    // Identifiers are kept as written, so stack frames and error and class names read as in the
    // source without `keepNames`, which wraps every function the code creates, once per request
    // for many closures in Fastify and zod, in an `Object.defineProperty` call: a fifth of the
    // CPU of a small request (`docs/server.md`). The source map beside it maps frames back
    // (`node --enable-source-maps`).
    minifyWhitespace: true,
    minifySyntax: true,
    minifyIdentifiers: false,
    sourcemap: true,
    external: ['@electric-sql/pglite', '@electric-sql/pglite/*', 'pg-native'],
    // Packages written as CommonJS call require(): an ES module has none of its own.
    banner: {
      js: "import { createRequire as lassoCreateRequire } from 'node:module'; const require = lassoCreateRequire(import.meta.url);",
    },
    plugins: [ownModuleUrls(outdir)],
    logLevel: 'warning',
  });
}

/**
 * Each of our modules keeps the `import.meta.url` of its tsc output (`store/migrate.ts` →
 * `dist/store/migrate.js`), written relative to the bundle, so the paths they derive from it (the
 * PGlite worker, the snapshot, the migrations, the web app) are the same bundled or not.
 */
function ownModuleUrls(bundleDir) {
  return {
    name: 'lasso-own-module-urls',
    setup(b) {
      b.onLoad({ filter: /\.ts$/ }, async (args) => {
        const rel = path.relative(ROOT, args.path);
        if (rel.startsWith('..') || rel.startsWith('node_modules')) return undefined;
        const compiled = path.join(ROOT, 'dist', rel.replace(/\.ts$/, '.js'));
        const url = path.relative(bundleDir, compiled).split(path.sep).join('/');
        const source = readFileSync(args.path, 'utf8').replaceAll(
          'import.meta.url',
          `new URL(${JSON.stringify(url)}, import.meta.url).href`,
        );
        return { contents: source, loader: 'ts' };
      });
    },
  };
}

/** A Vite plugin that collects the project files (outside node_modules) the build read. */
function recordReads(read) {
  const add = (id) => {
    const file = id.split('?')[0];
    if (!file || file.startsWith('\0') || !path.isAbsolute(file)) return;
    const rel = path.relative(ROOT, file).split(path.sep).join('/');
    if (rel.startsWith('..') || rel.startsWith('node_modules/')) return;
    read.add(rel);
  };
  return {
    name: 'lasso-record-inputs',
    apply: 'build',
    generateBundle() {
      // Tailwind scans the files under Vite's root (web/), which are inputs already.
      for (const id of this.getModuleIds()) add(id);
    },
  };
}

async function main() {
  process.chdir(ROOT);
  const args = process.argv.slice(2);
  const force = args.includes('--force');
  const named = args.filter((a) => !a.startsWith('--'));
  for (const a of named) if (!['server', 'web'].includes(a)) throw new Error(`unknown step ${a}`);
  const order = named.length === 0 ? ['server', 'snapshot', 'web'] : [];
  if (named.includes('server')) order.push('server', 'snapshot');
  if (named.includes('web')) order.push('web');
  for (const name of order) {
    const step = steps[name];
    const s = stamp(ROOT, name, { inputs: step.inputs(), outputs: step.outputs });
    const reason = force ? 'forced' : s.staleReason();
    if (reason === null) {
      console.log(`build ${name}: up to date`);
      continue;
    }
    console.log(`build ${name}: ${reason}`);
    const started = performance.now();
    s.begin();
    s.record(await step.run());
    console.log(`build ${name}: done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
}

main().catch((err) => {
  console.error(`build failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
