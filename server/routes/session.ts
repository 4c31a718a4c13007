/**
 * The guest's follow: POST /api/session/start, GET /api/session/catch-up,
 * POST /api/session/pause, /resume, /stop, GET /api/session/status.
 */
import {
  CatchUpPreview,
  CatchUpQuery,
  StartRequest,
  StartResponse,
  StateChangeResponse,
  StatusResponse,
} from '../../contract/index.js';
import type { FastifyReply } from 'fastify';
import type { FollowSummary } from '../../engine/engine-api.js';
import { EngineError } from '../../engine/engine-api.js';
import { LastfmError } from '../../lastfm/errors.js';
import type { Guest } from '../auth/guest.js';
import { guestHook, guestOf } from '../auth/guest.js';
import { errors, fromEngineError, fromLastfmError } from '../errors.js';
import type { ApiDeps, RouteModule } from '../deps.js';
import { catchUpBody, statusBody } from './views.js';

/** Refuses following yourself before asking the engine (Last.fm names compare case-insensitively). */
function refuseSelf(guest: Guest, target: string): void {
  if (guest.username.toLowerCase() === target.toLowerCase()) throw errors.targetIsSelf();
}

/** Runs `fn`; a "user not found" from the engine or Last.fm then names `target`. */
async function aboutTarget<T>(target: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof EngineError) throw fromEngineError(err, target);
    if (err instanceof LastfmError) throw fromLastfmError(err, target);
    throw err;
  }
}

/** Sends JSON text as it is: a string with a JSON content type is not serialized again. */
function sendJson(reply: FastifyReply, json: string): void {
  reply.type('application/json; charset=utf-8').send(json);
}

/** The follow routes. */
export const sessionRoutes: RouteModule<ApiDeps> = (app, deps) => {
  const { engine, statusCache } = deps;
  /** Runs a state change of `guestId`; their next status read sees it, even if it failed midway. */
  const changing = async <T>(guestId: number, change: () => Promise<T>): Promise<T> => {
    try {
      return await change();
    } finally {
      statusCache.invalidate(guestId);
    }
  };
  const requireGuest = guestHook(deps);
  // Start and resume make the engine send with the guest's key: a revoked key cannot.
  const requireUsableKey = guestHook(deps, { usableKey: true });
  const tags = ['session'];

  app.post(
    '/api/session/start',
    {
      onRequest: requireUsableKey,
      schema: { tags, body: StartRequest, response: { 200: StartResponse } },
    },
    async (request) => {
      const guest = guestOf(request);
      const { target_username: target, mirror_now_playing, catch_up_since } = request.body;
      refuseSelf(guest, target);
      const follow = await changing(guest.accountId, () =>
        aboutTarget(target, () =>
          engine.startFollow(guest.accountId, target, {
            mirrorNowPlaying: mirror_now_playing,
            ...(catch_up_since === undefined ? {} : { catchUpFrom: catch_up_since }),
          }),
        ),
      );
      return { success: true as const, target_username: follow.hostUsername, state: follow.state };
    },
  );

  app.get(
    '/api/session/catch-up',
    {
      onRequest: requireGuest,
      schema: { tags, querystring: CatchUpQuery, response: { 200: CatchUpPreview } },
    },
    async (request) => {
      const guest = guestOf(request);
      const { target_username: target, since } = request.query;
      refuseSelf(guest, target);
      const preview = await aboutTarget(target, () =>
        engine.catchUpPreview(guest.accountId, target, since),
      );
      return catchUpBody(preview);
    },
  );

  const transitions: Array<[string, (guestId: number) => Promise<FollowSummary>, boolean]> = [
    ['pause', (id) => engine.pause(id), false],
    ['resume', (id) => engine.resume(id), true],
    ['stop', (id) => engine.stop(id), false],
  ];
  for (const [name, transition, needsKey] of transitions) {
    app.post(
      `/api/session/${name}`,
      {
        onRequest: needsKey ? requireUsableKey : requireGuest,
        schema: { tags, response: { 200: StateChangeResponse } },
      },
      async (request) => {
        const guestId = guestOf(request).accountId;
        const follow = await changing(guestId, () => transition(guestId));
        return { success: true as const, state: follow.state };
      },
    );
  }

  app.get(
    '/api/session/status',
    { onRequest: requireGuest, schema: { tags, response: { 200: StatusResponse } } },
    (request, reply) => {
      const guestId = guestOf(request).accountId;
      // A status read within the cache's TTL is answered at once, without a promise.
      const cached = statusCache.peek(guestId);
      if (cached !== undefined) {
        sendJson(reply, cached);
        return;
      }
      // Cached as the JSON text the route's schema made (once per read, not per request).
      return statusCache
        .get(guestId, async () => {
          const body = reply.serialize(statusBody(await engine.status(guestId)));
          if (typeof body !== 'string') throw new Error('the status serializer must make text');
          return body;
        })
        .then((json) => sendJson(reply, json));
    },
  );
};
