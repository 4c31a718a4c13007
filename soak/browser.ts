/**
 * A guest's browser, as far as Lasso can tell: a cookie jar, its own client address (sent as
 * `X-Forwarded-For` through the one proxy hop production trusts), sign-in through the real flow
 * (Lasso's `/api/auth/init`, the emulator's consent page, Lasso's callback) and the follow API.
 * Every request a guest makes is logged with its time span, so the check can hold the windows
 * Lasso recorded against the moments the guest asked.
 */
import type { StatusResponse } from '../contract/session.js';
import { allowOnConsentPage, CookieJar, readBody } from '../test/integration/browser.js';
import { sleep } from './emulator.js';
import type { Span } from './truth.js';

/** The answer to one request: its status and JSON body (undefined when not JSON). */
export interface Answer {
  status: number;
  json: unknown;
}

/** One try of an action: when it was sent, when it ended, and how (`network`: no answer). */
export interface Attempt extends Span {
  status: number | 'network';
  /** The Lasso instance it was sent to. */
  origin: string;
}

/** What a guest asked of Lasso, and every try it took. */
export interface ActionRecord {
  guest: string;
  kind: 'start' | 'pause' | 'resume' | 'stop';
  /** Catch-up start: the moment (epoch ms) the guest said they joined. */
  catchUpSince?: number;
  attempts: Attempt[];
  /** `ok`: done; `session`: refused as signed out (401); `failed`: any other refusal or give-up. */
  outcome: 'ok' | 'session' | 'failed';
  detail?: string;
}

/** Statuses worth trying again: Lasso down or restarting, Last.fm failing under it, rate limits. */
const retryable = (status: number | 'network'): boolean =>
  status === 'network' || status === 429 || status >= 500;

/** A guest with a browser. `origin` may change: the instance a load balancer sends it to. */
export class GuestBrowser {
  private readonly jar = new CookieJar();

  constructor(
    readonly name: string,
    public origin: string,
    /** The guest's client address, e.g. `10.0.0.7`. */
    private readonly ip: string,
  ) {}

  /** One request; throws when no answer came (connection refused or reset). */
  async request(method: 'GET' | 'POST', route: string, body?: unknown): Promise<Answer> {
    const res = await fetch(`${this.origin}${route}`, {
      method,
      headers: {
        cookie: this.jar.header(),
        'x-forwarded-for': this.ip,
        ...(method === 'POST' ? { origin: this.origin, 'content-type': 'application/json' } : {}),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      redirect: 'manual',
      signal: AbortSignal.timeout(60_000),
    });
    this.jar.take(res);
    const { json } = await readBody(res);
    return { status: res.status, json };
  }

  /**
   * Signs in as a browser does: Lasso's sign-in start, the consent page's "Allow access" for
   * this guest, Lasso's callback (which asks Last.fm for the session). Throws unless the
   * callback lands on the app with a session cookie.
   */
  async signIn(): Promise<void> {
    const init = await this.request('POST', '/api/auth/init', { return_to: '/' });
    if (init.status !== 200) throw new Error(`${this.name}: sign-in start answered ${init.status}`);
    const { auth_url: authUrl } = init.json as { auth_url: string };
    const allow = await allowOnConsentPage(authUrl, this.name);
    const callback = allow.headers.get('location');
    if (allow.status !== 303 || !callback) {
      throw new Error(`${this.name}: consent page answered ${allow.status}`);
    }
    const landed = await fetch(callback, {
      headers: { cookie: this.jar.header(), 'x-forwarded-for': this.ip },
      redirect: 'manual',
    });
    this.jar.take(landed);
    await landed.body?.cancel();
    const location = landed.headers.get('location') ?? '';
    if (landed.status !== 303 || location.includes('error=')) {
      throw new Error(`${this.name}: sign-in callback answered ${landed.status} ${location}`);
    }
  }

  /** Lasso's answer to "who am I": the username, null when signed out, or undefined: no answer. */
  async whoAmI(): Promise<string | null | undefined> {
    const me = await this.request('GET', '/api/me').catch(() => undefined);
    if (me === undefined || me.status >= 500) return undefined;
    return me.status === 200 ? (me.json as { username: string }).username : null;
  }

  /** The follow's status, or undefined when Lasso did not answer it. */
  async status(): Promise<StatusResponse | undefined> {
    const r = await this.request('GET', '/api/session/status').catch(() => undefined);
    return r?.status === 200 ? (r.json as StatusResponse) : undefined;
  }

  /**
   * Does `kind`, trying again while Lasso is down or failing (every 500 ms, or as Retry-After
   * says) until `deadline` (epoch ms). A start whose answer was lost is not sent again once the
   * status shows it happened (a second start would switch to a new follow). `onNoAnswer` may
   * move the guest to another instance.
   */
  async act(
    kind: ActionRecord['kind'],
    host: string,
    o: {
      deadline: number;
      catchUpSince?: number;
      mirrorNowPlaying?: boolean;
      onNoAnswer?: () => void;
      signal?: AbortSignal;
    },
  ): Promise<ActionRecord> {
    const record: ActionRecord = {
      guest: this.name,
      kind,
      attempts: [],
      outcome: 'failed',
      ...(o.catchUpSince === undefined ? {} : { catchUpSince: o.catchUpSince }),
    };
    const body =
      kind === 'start'
        ? {
            target_username: host,
            mirror_now_playing: o.mirrorNowPlaying ?? false,
            ...(o.catchUpSince === undefined ? {} : { catch_up_since: o.catchUpSince }),
          }
        : undefined;
    for (;;) {
      if (kind === 'start' && record.attempts.some((a) => retryable(a.status))) {
        const s = await this.status();
        if (s && (s.state === 'active' || s.state === 'paused')) {
          record.outcome = 'ok';
          return record;
        }
      }
      const fromMs = Date.now();
      const origin = this.origin;
      const answer = await this.request('POST', `/api/session/${kind}`, body).catch(() => null);
      const status = answer?.status ?? ('network' as const);
      record.attempts.push({ fromMs, toMs: Date.now(), status, origin });
      if (status === 'network') o.onNoAnswer?.();
      if (status === 200) record.outcome = 'ok';
      else if (status === 401) record.outcome = 'session';
      else if (!retryable(status) || Date.now() > o.deadline || o.signal?.aborted) {
        record.detail = `HTTP ${status} ${JSON.stringify(answer?.json ?? null).slice(0, 200)}`;
      } else {
        await sleep(status === 429 ? 2000 : 500);
        continue;
      }
      return record;
    }
  }
}
