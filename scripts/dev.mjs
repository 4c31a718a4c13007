/**
 * `npm run dev`: the API server (reloading on change, demo mode unless Last.fm keys are set) and
 * the Vite dev server of the web app (hot reload), which proxies /api to it. Open
 * http://localhost:5173. Ctrl-C stops both.
 */
import { spawn } from 'node:child_process';

const WEB_PORT = 5173;
const API_PORT = Number(process.env.PORT ?? 8080);
const env = {
  ...process.env,
  PORT: String(API_PORT),
  // The browser talks to Vite's origin: sign-in callbacks and invite links must point there.
  PUBLIC_URL: process.env.PUBLIC_URL ?? `http://localhost:${WEB_PORT}`,
  LASSO_API_ORIGIN: `http://127.0.0.1:${API_PORT}`,
};

const children = [
  spawn('npx', ['tsx', 'watch', '--clear-screen=false', 'server/main.ts'], {
    env,
    stdio: 'inherit',
  }),
  spawn('npx', ['vite', '--host', 'localhost'], { env, stdio: 'inherit' }),
];

let stopping = false;
function stop(code) {
  if (stopping) return;
  stopping = true;
  for (const child of children) child.kill('SIGTERM');
  setTimeout(() => process.exit(code), 500).unref();
}
for (const child of children) child.on('exit', (code) => stop(code ?? 0));
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));
