import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, expect, it } from 'vitest';
import { findAccountByUsername } from '../../store/accounts.js';
import { describeEachDatabase } from '../../store/test-support/databases.js';
import { uniqueName } from '../../store/test-support/factories.js';
import { COOKIE_NAME } from '../session-cookie.js';
import type { ApiTestApp, SignedInGuest } from '../test-support/api.js';
import { buildApiTestApp, getAs, signIn } from '../test-support/api.js';
import { createSseHub } from './sse-hub.js';
import type { SseHub } from './sse-hub.js';

/** An open event stream read over real HTTP. */
interface Reader {
  res: http.IncomingMessage;
  /** Everything received so far. */
  text(): string;
  /** Resolves when the received text satisfies `ok` (or fails after `ms`). */
  until(ok: (text: string) => boolean, ms?: number): Promise<string>;
  /** Resolves true when the server ended the stream. */
  ended(): Promise<boolean>;
  abort(): void;
}

async function waitFor(ok: () => boolean, ms = 5_000): Promise<void> {
  const deadline = performance.now() + ms;
  while (!ok()) {
    if (performance.now() > deadline) throw new Error('condition not met in time');
    await sleep(5);
  }
}

describeEachDatabase('event stream', (ctx) => {
  let t: ApiTestApp | undefined;
  const readers: Reader[] = [];
  afterEach(async () => {
    for (const r of readers.splice(0)) r.abort();
    await t?.app.close();
    t = undefined;
  });

  async function listening(
    hub?: SseHub,
  ): Promise<{ t: ApiTestApp; guest: SignedInGuest; guestId: number; base: string }> {
    t = await buildApiTestApp(ctx.db, hub ? { sse: hub } : {});
    const guest = await signIn(t, uniqueName('Maya'));
    const guestId = (await findAccountByUsername(ctx.db.kysely, guest.username))!.id;
    const base = await t.app.listen({ port: 0, host: '127.0.0.1' });
    return { t, guest, guestId, base };
  }

  /**
   * Opens the stream over a real socket (node:http, no connection pooling: a pooled client may
   * keep a spare connection open that delays the server's close by seconds).
   */
  async function connect(
    url: string,
    guest: SignedInGuest,
    headers: Record<string, string> = {},
  ): Promise<Reader> {
    const req = http.get(url, {
      agent: false,
      headers: { cookie: `${COOKIE_NAME}=${guest.sessionId}`, ...headers },
    });
    const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
      req.on('response', resolve);
      req.on('error', reject);
    });
    let received = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => (received += chunk));
    const ended = new Promise<boolean>((resolve) => {
      res.on('end', () => resolve(true));
      res.on('error', () => resolve(false));
      res.on('close', () => resolve(res.complete));
    });
    const reader: Reader = {
      res,
      text: () => received,
      until: async (ok, ms) => {
        await waitFor(() => ok(received), ms);
        return received;
      },
      ended: () => Promise.race([ended, sleep(5_000).then(() => false)]),
      abort: () => req.destroy(),
    };
    readers.push(reader);
    return reader;
  }

  const mirrored = (followId: number, track: string) => ({
    type: 'mirrored',
    follow_id: followId,
    artist: 'Björk',
    track,
    album: 'Homogenic',
    timestamp: 1767636000,
    image_url: null,
  });

  it('streams the guest’s events as SSE frames in the contract’s shape, with security headers kept', async () => {
    const { t, guest, guestId, base } = await listening();
    const stream = await connect(`${base}/api/session/events`, guest);
    const { headers } = stream.res;
    expect(stream.res.statusCode).toBe(200);
    expect(headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(headers['cache-control']).toContain('no-cache');
    expect(headers['x-accel-buffering']).toBe('no');
    expect(headers['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'");
    expect(headers['x-content-type-options']).toBe('nosniff');
    await waitFor(() => t.engine.subscriberCount(guestId) === 1);

    const id = t.engine.publish(guestId, 'mirrored', mirrored(41, 'Jóga'));
    const text = await stream.until((s) => s.includes('event: mirrored'));
    expect(text).toContain('retry: 3000\n\n');
    const frame = text.split('\n\n').find((f) => f.startsWith('id: '))!;
    const [idLine, eventLine, dataLine] = frame.split('\n');
    expect(idLine).toBe(`id: ${id}`);
    expect(eventLine).toBe('event: mirrored');
    expect(JSON.parse(dataLine!.slice('data: '.length))).toEqual({
      follow_id: '41',
      artist: 'Björk',
      track: 'Jóga',
      album: 'Homogenic',
      timestamp: 1767636000,
      image_url: null,
    });
  });

  it('drops the guest’s cached status before sending an event, so a read after it is fresh', async () => {
    const { t, guest, guestId, base } = await listening();
    const stream = await connect(`${base}/api/session/events`, guest);
    await waitFor(() => t.engine.subscriberCount(guestId) === 1);
    const read = async () =>
      (await t.app.inject(getAs(guest, '/api/session/status'))).json<{ scrobble_count: number }>();
    expect((await read()).scrobble_count).toBe(0);
    t.engine.statusExtra = {
      scrobbleCount: 1,
      counts: { pending: 0, mirrored: 1, ignored: 0, held: 0 },
    };
    expect((await read()).scrobble_count).toBe(0); // cached: the clock has not moved
    t.engine.publish(guestId, 'mirrored', mirrored(41, 'Jóga'));
    await stream.until((s) => s.includes('event: mirrored'));
    expect((await read()).scrobble_count).toBe(1);
  });

  it('sends only this guest’s events', async () => {
    const { t, guest, guestId, base } = await listening();
    const stream = await connect(`${base}/api/session/events`, guest);
    await waitFor(() => t.engine.subscriberCount(guestId) === 1);
    t.engine.publish(guestId + 1_000_000, 'mirrored', mirrored(1, 'Not yours'));
    t.engine.publish(guestId, 'mirrored', mirrored(2, 'Yours'));
    const text = await stream.until((s) => s.includes('Yours'));
    expect(text).not.toContain('Not yours');
  });

  it('replays what was missed after Last-Event-ID, and the header wins over the query', async () => {
    const { t, guest, guestId, base } = await listening();
    const ids = ['One', 'Two', 'Three'].map((track) =>
      t.engine.publish(guestId, 'mirrored', mirrored(7, track)),
    );
    const byHeader = await connect(`${base}/api/session/events?last_event_id=0`, guest, {
      'last-event-id': String(ids[0]),
    });
    const text = await byHeader.until((s) => s.includes('Three'));
    expect(text).not.toContain('"One"');
    expect(text.indexOf(`id: ${ids[1]}`)).toBeLessThan(text.indexOf(`id: ${ids[2]}`));

    const byQuery = await connect(`${base}/api/session/events?last_event_id=${ids[1]}`, guest);
    const fromQuery = await byQuery.until((s) => s.includes('Three'));
    expect(fromQuery).not.toContain('"Two"');
  });

  it('sends heartbeat comments at the hub’s interval', async () => {
    const { guest, base } = await listening(createSseHub({ heartbeatMs: 20 }));
    const stream = await connect(`${base}/api/session/events`, guest);
    await stream.until((s) => s.split(': ping\n\n').length > 2);
  });

  it('unsubscribes when the client goes away', async () => {
    const hub = createSseHub();
    const { t, guest, guestId, base } = await listening(hub);
    const stream = await connect(`${base}/api/session/events`, guest);
    await waitFor(() => t.engine.subscriberCount(guestId) === 1 && hub.size === 1);
    stream.abort();
    await waitFor(() => t.engine.subscriberCount(guestId) === 0 && hub.size === 0);
  });

  it('ends open streams cleanly when the app closes', async () => {
    const { t, guest, guestId, base } = await listening();
    const stream = await connect(`${base}/api/session/events`, guest);
    await waitFor(() => t.engine.subscriberCount(guestId) === 1);
    const started = performance.now();
    await t.app.close();
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(await stream.ended()).toBe(true);
    expect(t.engine.subscriberCount(guestId)).toBe(0);
  });

  it('ends the stream when the engine cannot subscribe, and logs why', async () => {
    const { t, guest, base } = await listening();
    t.engine.failNext('subscribe', new Error('listener lost'));
    const stream = await connect(`${base}/api/session/events`, guest);
    expect(await stream.ended()).toBe(true);
    expect(t.logs.text()).toContain('listener lost');
  });

  it('answers 401 without a session and 400 for a bad Last-Event-ID, before streaming', async () => {
    const { t, guest } = await listening();
    const anonymous = await t.app.inject(getAs(null, '/api/session/events'));
    expect([anonymous.statusCode, anonymous.json().code]).toEqual([401, 'AUTH_REQUIRED']);
    for (const headers of [{ 'last-event-id': 'abc' }, { 'last-event-id': '-1' }]) {
      const res = await t.app.inject({ ...getAs(guest, '/api/session/events'), headers });
      expect([res.statusCode, res.json().code]).toEqual([400, 'INVALID_REQUEST']);
    }
    const query = await t.app.inject(getAs(guest, '/api/session/events', { last_event_id: '1.5' }));
    expect(query.statusCode).toBe(400);
  });
});
