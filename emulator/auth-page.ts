/**
 * The sign-in page `/api/auth/` (docs/lastfm.md, "Sign-in"): pick or type an emulated user and
 * allow the app. Web flow (`cb=` or the app's registered callback): redirect there with `?token=`
 * (`&token=` when it already has a query). Desktop flow (`token=`): mark that token authorised.
 * Plain server-rendered HTML and a form POST, no script, so a real browser test can click through.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '../lib/clock.js';
import { ControlError } from './errors.js';
import { mergeParams, readBody, send } from './http.js';
import type { AuthStore } from './sessions.js';
import type { AppRecord, EmulatorState } from './state.js';
import { escapeXml as esc } from './wire.js';

/** What the page needs. */
export interface AuthPageDeps {
  clock: Clock;
  state: EmulatorState;
  auth: AuthStore;
}

/** Users listed as choices; more can be typed (benchmarks create thousands). */
const MAX_LISTED_USERS = 50;

/** Web flow: redirect to `cb` with a new token. Desktop flow: authorise the given token. */
type Flow = { kind: 'web'; cb: string } | { kind: 'desktop'; token: string };

/** Serves GET (the consent form) and POST (the decision) of `/api/auth/`. */
export async function serveAuthPage(
  d: AuthPageDeps,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const body = req.method === 'POST' ? await readBody(req) : '';
  const p = mergeParams(url, body);
  const app = d.state.app(p.get('api_key') ?? '');
  if (!app) return page(res, 400, 'Invalid API key', '<p>This application is not registered.</p>');
  const flow = flowOf(d, p, app);
  if (typeof flow === 'string') return page(res, 400, 'Cannot sign in', `<p>${esc(flow)}</p>`);
  if (req.method !== 'POST') return form(d, res, app, flow, '', 200);
  if (p.get('action') !== 'allow') {
    const text = '<p>You did not allow access. You may close this window.</p>';
    return page(res, 200, 'Access not granted', text);
  }
  const name = (p.get('new_user') ?? '').trim() || (p.get('user') ?? '');
  if (name === '') return form(d, res, app, flow, 'Pick or type a user name.', 400);
  let userName: string;
  try {
    // A typed name that does not exist yet becomes a new emulated user.
    userName = d.state.createUser(name, undefined, Math.floor(d.clock.now() / 1000)).user.name;
  } catch (e) {
    if (e instanceof ControlError) return form(d, res, app, flow, e.message, 400);
    throw e;
  }
  if (flow.kind === 'desktop') {
    const rec = d.auth.liveToken(flow.token, app.apiKey, d.clock.now());
    if (rec) rec.user = userName;
    const text = `<p>${esc(app.name)} may now use the account ${esc(userName)}. You may close this window.</p>`;
    return page(res, 200, 'Application authorised', text);
  }
  const issued = d.auth.issueToken(app.apiKey, userName, d.clock.now());
  const sep = flow.cb.includes('?') ? '&' : '?';
  send(res, 303, { location: `${flow.cb}${sep}token=${issued.token}` }, '');
}

/** The flow asked for, or why it cannot go ahead. */
function flowOf(d: AuthPageDeps, p: ReadonlyMap<string, string>, app: AppRecord): Flow | string {
  const token = p.get('token');
  if (token) {
    const live = d.auth.liveToken(token, app.apiKey, d.clock.now());
    return live ? { kind: 'desktop', token } : 'This token is invalid or has expired.';
  }
  const cb = callbackOf(p.get('cb'), app);
  return cb === null ? 'No valid callback URL was given or registered.' : { kind: 'web', cb };
}

/** `cb` if it is an absolute http(s) URL, else the app's registered callback, else null. */
function callbackOf(cb: string | undefined, app: AppRecord): string | null {
  const candidate = cb || app.callbackUrl;
  if (!candidate) return null;
  try {
    const u = new URL(candidate);
    return u.protocol === 'http:' || u.protocol === 'https:' ? candidate : null;
  } catch {
    return null;
  }
}

function form(
  d: AuthPageDeps,
  res: ServerResponse,
  app: AppRecord,
  flow: Flow,
  error: string,
  status: number,
): void {
  const users = d.state.userNames().slice(0, MAX_LISTED_USERS);
  const choices = users
    .map(
      (u, i) =>
        `<label class="choice"><input type="radio" name="user" value="${esc(u)}"${i === 0 ? ' checked' : ''}> ${esc(u)}</label>`,
    )
    .join('\n');
  const hidden = [
    `<input type="hidden" name="api_key" value="${esc(app.apiKey)}">`,
    flow.kind === 'web'
      ? `<input type="hidden" name="cb" value="${esc(flow.cb)}">`
      : `<input type="hidden" name="token" value="${esc(flow.token)}">`,
  ].join('');
  const html = `
<p><strong>${esc(app.name)}</strong> would like to connect to your (emulated) Last.fm account.</p>
${error ? `<p class="error" role="alert">${esc(error)}</p>` : ''}
<form method="post" action="/api/auth/">
${hidden}
<fieldset><legend>Sign in as</legend>
${choices || '<p>No users yet: type a name below.</p>'}
<label for="new_user">or another user name</label>
<input id="new_user" name="new_user" type="text" autocomplete="username" placeholder="user name">
</fieldset>
<button type="submit" name="action" value="allow">Allow access</button>
<button type="submit" name="action" value="deny" class="secondary">No thanks</button>
</form>`;
  page(res, status, 'Connect application', html);
}

function page(res: ServerResponse, status: number, title: string, content: string): void {
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} | Last.fm (emulator)</title>
<style>
body{font-family:system-ui,sans-serif;max-width:32rem;margin:0 auto;padding:1rem;line-height:1.5}
h1{font-size:1.4rem;color:#b90000}fieldset{border:1px solid #ccc;border-radius:.5rem;margin:1rem 0}
.choice{display:block;padding:.5rem 0}input[type=text]{width:100%;box-sizing:border-box;padding:.6rem;font-size:1rem}
button{font-size:1rem;padding:.8rem 1.2rem;margin:.25rem .5rem .25rem 0;border-radius:.4rem;border:0;background:#b90000;color:#fff}
button.secondary{background:#eee;color:#222}.error{color:#b00}
</style></head>
<body><h1>${esc(title)}</h1>
<p><small>Emulated Last.fm: not the real service.</small></p>
${content}
</body></html>`;
  send(
    res,
    status,
    { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' },
    html,
  );
}
