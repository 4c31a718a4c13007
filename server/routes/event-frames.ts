/**
 * An engine event as the SSE frame the contract promises (`contract/events.ts`). The engine's
 * payloads use numeric ids, ISO times, a nested now-playing and no image on ignored rows; the
 * API uses string ids, epoch ms, a flat now-playing and a nullable `image_url` on every track. The result is checked against the contract: an event that still
 * does not fit is dropped (and logged by the caller) rather than sent malformed.
 */
import type { SessionEvent } from '../../contract/index.js';
import { parseSessionEvent } from '../../contract/index.js';
import type { EngineEventRecord } from '../../engine/engine-api.js';

type Payload = Record<string, unknown>;

function isObject(value: unknown): value is Payload {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A numeric id as the API's opaque string id. */
function idString(value: unknown): unknown {
  return typeof value === 'number' ? String(value) : value;
}

/** An ISO time (engine) or epoch ms as epoch ms. */
function epochMs(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? value : ms;
}

function normalize(type: string, payload: Payload): unknown {
  const followId = idString(payload.follow_id);
  switch (type) {
    case 'now_playing': {
      // Engine: {follow_id, now_playing: {...} | null}; API: the track with follow_id, or null.
      if (!('now_playing' in payload)) return { ...payload, follow_id: followId };
      const track = payload.now_playing;
      return isObject(track) ? { ...track, follow_id: followId } : null;
    }
    case 'held':
      return { ...payload, follow_id: followId, until: epochMs(payload.until) };
    case 'mirrored':
    case 'ignored':
      // The engine's ignored event carries no image; the contract's has a nullable one.
      return { ...payload, follow_id: followId, image_url: payload.image_url ?? null };
    default:
      return { ...payload, follow_id: followId };
  }
}

/** The contract event for an engine event, or null when it does not fit the contract. */
export function toSessionEvent(record: EngineEventRecord): SessionEvent | null {
  if (!isObject(record.payload)) return null;
  return parseSessionEvent(record.type, normalize(record.type, record.payload));
}
