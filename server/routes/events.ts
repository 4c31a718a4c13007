/**
 * GET /api/session/events: the guest's engine events as server-sent events (`id:` the event id,
 * `event:` its type, `data:` its JSON in the contract's shape), with `: ping` heartbeats.
 * Resumable: a reconnecting EventSource sends `Last-Event-ID` and gets what it missed first. A
 * first connection may pass `?last_event_id=` instead (the header wins: EventSource keeps the
 * original URL and sends the newer id in the header).
 */
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { EngineEventRecord } from '../../engine/engine-api.js';
import { guestHook, guestOf } from '../auth/guest.js';
import { parseInput } from '../errors.js';
import type { ApiDeps, RouteModule } from '../deps.js';
import { toSessionEvent } from './event-frames.js';
import { createSseHub } from './sse-hub.js';
import type { SseStream } from './sse-hub.js';

/** An event id as a client sends it back: a non-negative integer. */
const EventId = z
  .string()
  .regex(/^\d{1,15}$/, 'must be an event id')
  .transform(Number);

const EventsQuery = z.object({ last_event_id: EventId.optional() });

/**
 * The id to resume after: the header, else the query's (already validated by the route
 * schema), else null for "live events only".
 */
function resumeAfter(request: FastifyRequest, fromQuery: number | undefined): number | null {
  const header = request.headers['last-event-id'];
  if (header !== undefined) return parseInput(EventId, header, 'headers.last-event-id');
  return fromQuery ?? null;
}

/**
 * Writes engine events to `stream` in the contract's shape. Ids at or below the last one sent
 * are skipped, so an overlap of replayed and live events never shows twice. Each event first
 * drops the guest's cached status (`stale`): the web app reads the status again on every event,
 * and must not get the copy cached just before what the event reports.
 */
function eventWriter(
  stream: SseStream,
  request: FastifyRequest,
  afterId: number | null,
  stale: () => void,
): (record: EngineEventRecord) => void {
  let lastId = afterId ?? 0;
  return (record) => {
    if (record.id <= lastId) return;
    lastId = record.id;
    stale();
    const event = toSessionEvent(record);
    if (event === null) {
      request.log.warn(
        { eventId: record.id, type: record.type },
        'event does not fit the contract',
      );
      return;
    }
    stream.send(record.id, event.event, event.data);
  };
}

/** The event stream route. Its streams are closed when the app closes. */
export const eventRoutes: RouteModule<ApiDeps> = (app, deps) => {
  const hub = deps.sse ?? createSseHub();
  // preClose, not onClose: server.close() waits for open connections, and a stream never ends.
  app.addHook('preClose', async () => hub.closeAll());

  app.get(
    '/api/session/events',
    {
      onRequest: guestHook(deps),
      schema: {
        tags: ['session'],
        querystring: EventsQuery,
        produces: ['text/event-stream'],
      },
    },
    async (request, reply) => {
      const guestId = guestOf(request).accountId;
      const afterId = resumeAfter(request, request.query.last_event_id);
      const stream = hub.open(reply);
      try {
        const unsubscribe = await deps.engine.subscribe(
          guestId,
          afterId,
          eventWriter(stream, request, afterId, () => deps.statusCache.invalidate(guestId)),
        );
        // Runs at once if the client left while subscribing.
        stream.onClose(unsubscribe);
      } catch (err) {
        // Headers are sent: end the stream; EventSource reconnects and resumes.
        request.log.error({ err }, 'event subscription failed');
        stream.close();
      }
      return reply;
    },
  );
};
