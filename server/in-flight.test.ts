import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { ManualClock, systemClock } from '../lib/clock.js';
import { createInFlight, trackInFlight } from './in-flight.js';

/** A promise and its resolver: the route under test waits on it. */
function gate() {
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

/** Sends GET `path` and hangs up as soon as `started` resolves (the route is running). */
async function hangUpWhileRunning(url: string, started: Promise<void>): Promise<void> {
  const req = http.get(url);
  req.on('error', () => undefined);
  await started;
  req.destroy();
  await new Promise((r) => setTimeout(r, 20));
}

describe('in-flight work', () => {
  it('still counts a handler whose client hung up after app.close(), until it ends', async () => {
    const counter = createInFlight();
    const app = Fastify();
    trackInFlight(app, counter);
    const started = gate();
    const release = gate();
    app.get('/slow', async () => {
      started.open();
      await release.opened;
      return { ok: true };
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as AddressInfo;
    await hangUpWhileRunning(`http://127.0.0.1:${port}/slow`, started.opened);
    await app.close();
    expect(counter.count).toBe(1);
    const drained = counter.drained(systemClock, 5_000);
    release.open();
    expect(await drained).toBe(true);
    expect(counter.count).toBe(0);
  });

  it('counts async route-level hooks too, and gives up after the timeout', async () => {
    const counter = createInFlight();
    const app = Fastify();
    trackInFlight(app, counter);
    const started = gate();
    const release = gate();
    app.get(
      '/guarded',
      {
        onRequest: async () => {
          started.open();
          await release.opened;
        },
      },
      async () => ({ ok: true }),
    );
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as AddressInfo;
    await hangUpWhileRunning(`http://127.0.0.1:${port}/guarded`, started.opened);
    await app.close();
    expect(counter.count).toBe(1);
    const clock = new ManualClock();
    const drained = counter.drained(clock, 10_000);
    await clock.advance(10_000);
    expect(await drained).toBe(false);
    release.open();
    expect(await counter.drained(clock, 10_000)).toBe(true);
  });

  it('counts a plain function that returns a promise as long as an async one', async () => {
    const counter = createInFlight();
    const app = Fastify();
    trackInFlight(app, counter);
    const started = gate();
    const release = gate();
    // Not written `async`: what it returns is what makes it work to wait for.
    const preHandler = (): Promise<void> => {
      started.open();
      return release.opened;
    };
    app.get('/plain', { preHandler }, () => ({ ok: true }));
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as AddressInfo;
    await hangUpWhileRunning(`http://127.0.0.1:${port}/plain`, started.opened);
    await app.close();
    expect(counter.count).toBe(1);
    release.open();
    expect(await counter.drained(systemClock, 5_000)).toBe(true);
  });

  it('leaves answers unchanged', async () => {
    const counter = createInFlight();
    const app = Fastify();
    trackInFlight(app, counter);
    app.get('/x', async (_request, reply) => reply.code(201).send({ ok: 1 }));
    app.get('/y', async () => {
      throw Object.assign(new Error('nope'), { statusCode: 409 });
    });
    app.get('/z', { onRequest: (_request, _reply, done) => done() }, (_request, reply) => {
      void reply.code(202).send({ ok: 2 });
    });
    expect((await app.inject({ url: '/x' })).statusCode).toBe(201);
    expect((await app.inject({ url: '/y' })).statusCode).toBe(409);
    expect((await app.inject({ url: '/z' })).json()).toEqual({ ok: 2 });
    expect(counter.count).toBe(0);
    await app.close();
  });
});
