/**
 * What a browser does on the sign-in page, with plain `fetch` and no script: load the consent
 * form, submit it with the "Allow access" button, follow the 303 to the app's callback. The
 * callback is a tiny local HTTP server standing in for Lasso's `/api/auth/callback` route.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A local HTTP server that records every query string it is sent. */
export interface CallbackServer {
  /** e.g. `http://127.0.0.1:40123/api/auth/callback` */
  url: string;
  /** The query of each request that arrived, in order. */
  hits: URLSearchParams[];
  close(): Promise<void>;
}

/** Starts the callback server; it answers every request with 200 "signed in". */
export async function startCallbackServer(): Promise<CallbackServer> {
  const hits: URLSearchParams[] = [];
  const server: Server = createServer((req, res) => {
    hits.push(new URL(req.url ?? '/', 'http://callback.invalid').searchParams);
    res.writeHead(200, { 'content-type': 'text/plain' }).end('signed in');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/auth/callback`,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const ENTITIES: Record<string, string> = {
  '&amp;': '&',
  '&lt;': '<',
  '&gt;': '>',
  '&quot;': '"',
  '&#39;': "'",
};

function unescapeHtml(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|#39);/g, (e) => ENTITIES[e] ?? e);
}

/** The parts of the consent page a browser submits. */
export interface ConsentForm {
  /** Absolute URL the form posts to. */
  action: string;
  method: string;
  /** Hidden inputs, in page order. */
  hidden: [string, string][];
  /** Values of the `user` radio buttons. */
  users: string[];
  /** Values of the `action` submit buttons. */
  buttons: string[];
}

/** Reads the consent form out of the page's HTML (server-rendered, one form). */
export function parseConsentForm(html: string, pageUrl: string): ConsentForm {
  const form = /<form\s+method="([^"]+)"\s+action="([^"]+)"/i.exec(html);
  if (!form) throw new Error('the consent page has no form');
  const attr = (tag: string, name: string): string | undefined => {
    const m = new RegExp(`\\s${name}="([^"]*)"`).exec(tag);
    return m ? unescapeHtml(m[1] ?? '') : undefined;
  };
  const inputs = [...html.matchAll(/<input\b[^>]*>/g)].map((m) => m[0]);
  const hidden = inputs
    .filter((t) => attr(t, 'type') === 'hidden')
    .map((t): [string, string] => [attr(t, 'name') ?? '', attr(t, 'value') ?? '']);
  const users = inputs
    .filter((t) => attr(t, 'type') === 'radio' && attr(t, 'name') === 'user')
    .map((t) => attr(t, 'value') ?? '');
  const buttons = [...html.matchAll(/<button\b[^>]*name="action"[^>]*>/g)].map(
    (m) => attr(m[0], 'value') ?? '',
  );
  return {
    method: (form[1] ?? 'get').toUpperCase(),
    action: new URL(unescapeHtml(form[2] ?? ''), pageUrl).toString(),
    hidden,
    users,
    buttons,
  };
}

/** What happened after the browser clicked "Allow access". */
export interface AllowOutcome {
  /** The status of the form POST itself (303 expected). */
  postStatus: number;
  /** Its `Location` header. */
  location: string | null;
  /** The status of the callback page the browser landed on. */
  landedStatus: number;
}

/**
 * Loads `authUrl`, picks `user` in the radio list and submits "Allow access" as a browser would
 * (every hidden field, the chosen radio, the empty text box, the clicked button), then follows
 * the redirect with a GET.
 */
export async function allowAccess(authUrl: string, user: string): Promise<AllowOutcome> {
  const page = await fetch(authUrl);
  if (page.status !== 200) throw new Error(`consent page answered ${page.status}`);
  const form = parseConsentForm(await page.text(), authUrl);
  if (!form.users.includes(user)) throw new Error(`${user} is not offered on the consent page`);
  if (!form.buttons.includes('allow')) throw new Error('no "Allow access" button');
  const body = new URLSearchParams([
    ...form.hidden,
    ['user', user],
    ['new_user', ''],
    ['action', 'allow'],
  ]);
  const post = await fetch(form.action, {
    method: form.method,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: body.toString(),
    redirect: 'manual',
  });
  const location = post.headers.get('location');
  // A browser turns the 303 into a GET of the Location.
  const landed = location === null ? null : await fetch(new URL(location, form.action));
  await landed?.text();
  return { postStatus: post.status, location, landedStatus: landed?.status ?? 0 };
}

/**
 * What a browser does on the consent page at `authUrl`: load it, submit it as `user` with
 * "Allow access". Returns the page's answer, not followed (a 303 to the app's callback).
 */
export async function allowOnConsentPage(authUrl: string, user: string): Promise<Response> {
  const form = parseConsentForm(await (await fetch(authUrl)).text(), authUrl);
  return fetch(form.action, {
    method: form.method,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams([
      ...form.hidden,
      ['user', user],
      ['new_user', ''],
      ['action', 'allow'],
    ]).toString(),
    redirect: 'manual',
  });
}

/** Cookies as a browser keeps them for one origin: a cleared one (empty, expired) is dropped. */
export class CookieJar {
  private readonly cookies = new Map<string, string>();
  take(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (/max-age=0|expires=thu, 01 jan 1970/i.test(line) || value === '')
        this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

/** A response's body as text, and as JSON when it parses (else `json` is undefined). */
export async function readBody(res: Response): Promise<{ text: string; json: unknown }> {
  const text = await res.text();
  try {
    return { text, json: JSON.parse(text) as unknown };
  } catch {
    return { text, json: undefined };
  }
}
