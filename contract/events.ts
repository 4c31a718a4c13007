/**
 * Server-sent events of GET /api/session/events. Each SSE frame has `event: <name>`, an `id:`
 * (send it back as `Last-Event-ID` to resume) and `data: <JSON>` matching the schema below.
 * Heartbeats are SSE comments (`: ping`) every 25 s and carry no event.
 */
import { z } from 'zod';
import { epochMs, FollowState, Id, PauseReason, StopReason, TrackPlay } from './common.js';

/** A host scrobble was accepted by Last.fm on the guest's profile. */
export const MirroredEvent = TrackPlay.extend({ follow_id: Id });
export type MirroredEvent = z.infer<typeof MirroredEvent>;

/**
 * A host scrobble will not reach the guest's profile: Last.fm ignored it (`code` 1..5) or Lasso
 * settled it without sending (its negative codes, as `LastfmAnswer`'s); it will not be resent.
 */
export const IgnoredEvent = TrackPlay.extend({ follow_id: Id, code: z.number().int() });
export type IgnoredEvent = z.infer<typeof IgnoredEvent>;

/** The host's now-playing track changed; null when the host stopped playing. */
export const NowPlayingEvent = z
  .object({
    follow_id: Id,
    artist: z.string(),
    track: z.string(),
    album: z.string(),
    image_url: z.string().nullable(),
  })
  .nullable();
export type NowPlayingEvent = z.infer<typeof NowPlayingEvent>;

/** The follow changed state (started, paused, resumed, stopped). */
export const StateChangedEvent = z.object({
  follow_id: Id,
  state: FollowState,
  stop_reason: StopReason.nullable(),
  pause_reason: PauseReason.nullable(),
});
export type StateChangedEvent = z.infer<typeof StateChangedEvent>;

/** Sending waits for Last.fm's daily scrobble limit, until `until` (epoch ms). */
export const HeldEvent = z.object({
  follow_id: Id,
  until: epochMs("When Last.fm's daily scrobble limit lets sending go on"),
});
export type HeldEvent = z.infer<typeof HeldEvent>;

/** The schema of each event's `data`, by SSE event name. */
export const SESSION_EVENT_SCHEMAS = {
  mirrored: MirroredEvent,
  ignored: IgnoredEvent,
  now_playing: NowPlayingEvent,
  state_changed: StateChangedEvent,
  held: HeldEvent,
} as const;

/** An SSE event name. */
export type SessionEventName = keyof typeof SESSION_EVENT_SCHEMAS;

/** The SSE event names, in a stable order. */
export const SESSION_EVENT_NAMES = Object.keys(SESSION_EVENT_SCHEMAS) as SessionEventName[];

/** One event as a tagged value, e.g. what the web app keeps after parsing a frame. */
export type SessionEvent = {
  [K in SessionEventName]: { event: K; data: z.infer<(typeof SESSION_EVENT_SCHEMAS)[K]> };
}[SessionEventName];

/** Parses the `data` of a frame named `event`; null for an unknown name or a body that does not fit. */
export function parseSessionEvent(event: string, data: unknown): SessionEvent | null {
  if (!Object.hasOwn(SESSION_EVENT_SCHEMAS, event)) return null;
  const name = event as SessionEventName;
  const parsed = SESSION_EVENT_SCHEMAS[name].safeParse(data);
  return parsed.success ? ({ event: name, data: parsed.data } as SessionEvent) : null;
}
