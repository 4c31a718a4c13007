/**
 * The control API: JSON routes under `/_emulator/` (documented in README.md; scripts, benchmarks,
 * the demo and end-to-end tests depend on them, so keep them stable). Each route is one
 * `Controller` call; errors are `{"error": message}` with 400 or 404.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Controller } from './controller.js';
import { ControlError } from './errors.js';
import { parseJson, readBody, sendJson } from './http.js';

type Handler = (c: Controller, args: string[], body: unknown) => [number, unknown];

const NAME = '([^/]+)';

/** [HTTP method, path after /_emulator, handler]. */
const ROUTES: [string, RegExp, Handler][] = [
  ['GET', /^\/health$/, () => [200, { ok: true }]],
  ['POST', /^\/apps$/, (c, _a, b) => [201, c.registerApp(b)]],
  ['GET', /^\/users$/, (c) => [200, c.users()]],
  [
    'POST',
    /^\/users$/,
    (c, _a, b) => {
      const r = c.createUser(b);
      return [r.created ? 201 : 200, r.user];
    },
  ],
  ['GET', route(`/users/${NAME}`), (c, [n]) => [200, c.user(n!)]],
  ['PATCH', route(`/users/${NAME}`), (c, [n], b) => [200, c.setPrivate(n!, b)]],
  ['POST', route(`/users/${NAME}/now-playing`), (c, [n], b) => [200, c.setNowPlaying(n!, b)]],
  ['DELETE', route(`/users/${NAME}/now-playing`), (c, [n]) => [204, c.clearNowPlaying(n!)]],
  ['POST', route(`/users/${NAME}/scrobbles`), (c, [n], b) => [201, c.addScrobbles(n!, b)]],
  ['GET', route(`/users/${NAME}/scrobbles`), (c, [n]) => [200, c.scrobbles(n!)]],
  ['GET', route(`/users/${NAME}/submissions`), (c, [n]) => [200, c.submissions(n!)]],
  ['POST', route(`/users/${NAME}/revoke`), (c, [n], b) => [200, c.revoke(n!, b)]],
  ['POST', /^\/auth\/approve$/, (c, _a, b) => [200, c.approve(b)]],
  ['POST', /^\/faults$/, (c, _a, b) => [200, c.setFaults(b)]],
  ['GET', /^\/faults$/, (c) => [200, { faults: c.faults() }]],
  ['DELETE', /^\/faults$/, (c) => [204, c.clearFaults()]],
  ['GET', /^\/calls$/, (c) => [200, c.calls()]],
  ['DELETE', /^\/calls$/, (c) => [204, c.resetCalls()]],
  ['POST', /^\/listeners$/, (c, _a, b) => [201, c.startListener(b)]],
  ['GET', /^\/listeners$/, (c) => [200, c.listeners()]],
  ['DELETE', route(`/listeners/${NAME}`), (c, [n]) => [204, c.stopListener(n!)]],
  ['POST', /^\/tracks$/, (c, _a, b) => [201, c.registerTrack(b)]],
  ['GET', /^\/quirks$/, (c) => [200, c.quirks()]],
  ['PATCH', /^\/quirks$/, (c, _a, b) => [200, c.setQuirks(b)]],
];

function route(pattern: string): RegExp {
  return new RegExp(`^${pattern}$`);
}

/** Serves one `/_emulator/…` request; `subpath` is the path after `/_emulator`. */
export async function serveControl(
  c: Controller,
  req: IncomingMessage,
  res: ServerResponse,
  subpath: string,
): Promise<void> {
  try {
    const method = req.method ?? 'GET';
    for (const [m, re, handler] of ROUTES) {
      const match = re.exec(subpath);
      if (!match || m !== method) continue;
      const args = match.slice(1).map((s) => decodeURIComponent(s));
      const body = method === 'GET' || method === 'DELETE' ? {} : parseJson(await readBody(req));
      const [status, value] = handler(c, args, body);
      return sendJson(res, status, value);
    }
    throw new ControlError(404, `no control route ${method} /_emulator${subpath}`);
  } catch (e) {
    if (e instanceof ControlError) return sendJson(res, e.status, { error: e.message });
    if (e instanceof URIError) return sendJson(res, 400, { error: 'bad percent-encoding in path' });
    throw e;
  }
}
