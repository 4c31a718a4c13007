/**
 * The web app's build (Vite, root `web/`, output `dist/web`). React's API on Preact
 * (`preact/compat`) to fit the first-load budget; every text asset is also written as `.br` and
 * `.gz` so the server sends it compressed without compressing per request. `sw.js` is generated
 * with the list of the build's files, so the service worker caches exactly this app shell.
 */
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import preact from '@preact/preset-vite';
import tailwindcss from '@tailwindcss/vite';
import { defineConfig, type Plugin } from 'vite';

/** The API server `npm run dev` proxies to. */
const API_ORIGIN = process.env.LASSO_API_ORIGIN ?? 'http://127.0.0.1:8080';
const COMPRESSIBLE = /\.(js|css|html|svg|json|webmanifest|txt)$/;

/** Writes `sw.js` from `web/sw.template.js` with this build's file list and a version. */
function serviceWorker(): Plugin {
  return {
    name: 'lasso-service-worker',
    apply: 'build',
    async generateBundle(_options, bundle) {
      const { readFile } = await import('node:fs/promises');
      const template = await readFile(new URL('./web/sw.template.js', import.meta.url), 'utf8');
      const files = Object.keys(bundle)
        .filter((f) => !f.endsWith('.map') && f !== 'index.html')
        .sort();
      const shell = ['/', ...files.map((f) => `/${f}`)];
      const version = createHash('sha256').update(shell.join('\n')).digest('hex').slice(0, 12);
      const source = template
        .replace('const SHELL = __SHELL__;', `const SHELL = ${JSON.stringify(shell)};`)
        .replace('const VERSION = __VERSION__;', `const VERSION = ${JSON.stringify(version)};`);
      if (source.includes('__SHELL__') || source.includes('__VERSION__')) {
        throw new Error('sw.template.js: a placeholder was not filled in');
      }
      this.emitFile({ type: 'asset', fileName: 'sw.js', source });
    },
  };
}

/** Writes a `.br` and a `.gz` beside every text asset of the build. */
function precompress(): Plugin {
  return {
    name: 'lasso-precompress',
    apply: 'build',
    enforce: 'post',
    generateBundle(_options, bundle) {
      for (const [fileName, item] of Object.entries(bundle)) {
        if (!COMPRESSIBLE.test(fileName)) continue;
        const data = Buffer.from(item.type === 'asset' ? item.source : item.code);
        const br = brotliCompressSync(data, {
          params: { [constants.BROTLI_PARAM_QUALITY]: 11 },
        });
        this.emitFile({ type: 'asset', fileName: `${fileName}.br`, source: br });
        this.emitFile({
          type: 'asset',
          fileName: `${fileName}.gz`,
          source: gzipSync(data, { level: 9 }),
        });
      }
    },
  };
}

export default defineConfig({
  root: 'web',
  publicDir: 'public',
  plugins: [
    preact({ prefreshEnabled: true, devToolsEnabled: false }),
    tailwindcss(),
    serviceWorker(),
    precompress(),
  ],
  build: {
    outDir: '../dist/web',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
  server: {
    port: 5173,
    strictPort: true,
    proxy: {
      '/api': { target: API_ORIGIN, changeOrigin: false },
      '/healthz': { target: API_ORIGIN },
      '/readyz': { target: API_ORIGIN },
    },
  },
});
