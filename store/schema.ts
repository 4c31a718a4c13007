/**
 * The Kysely types of every table made by `migrations/*.sql`. Keep the two in step: a column added
 * to a migration is added here in the same change.
 *
 * Conventions the drivers guarantee (see `type-parsers.ts`): `bigint`/`bigserial` columns come
 * back as JS `number`, `timestamptz` as `Date`, `bytea` as `Buffer`, `jsonb` parsed.
 * Timestamps have no SQL default: callers pass the injected clock's time (`new Date(clock.now())`).
 */
import type { FOLLOW_STATES, PAUSE_REASONS, STOP_REASONS } from '../contract/constants.js';
import type {
  ColumnType,
  Generated,
  GeneratedAlways,
  Insertable,
  Kysely,
  Selectable,
  Updateable,
} from 'kysely';

/** A JSON value as stored in a `jsonb` column. */
export type JsonValue =
  string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * A JSON object. `jsonb` columns take objects only: node-postgres would send a top-level JS array
 * as a Postgres array literal, not as JSON.
 */
export interface JsonObject {
  [key: string]: JsonValue;
}

/** A `jsonb` column holding `T` (an object), nullable when `T` includes null. */
type Jsonb<T extends JsonObject | null> = ColumnType<T, T, T>;

/** `accounts.key_state`. */
export type KeyState = 'valid' | 'revoked' | 'disconnected';
/** `follows.state`. */
export type FollowState = (typeof FOLLOW_STATES)[number];
/** `follows.stop_reason`. */
export type StopReason = (typeof STOP_REASONS)[number];
/** `follows.pause_reason`. */
export type PauseReason = (typeof PAUSE_REASONS)[number];
/** `outbox.state`. */
export type OutboxState = 'pending' | 'sending' | 'accepted' | 'ignored';

/** `hosts.now_playing`: what the host is playing, as last polled. */
export interface NowPlayingJson extends JsonObject {
  artist: string;
  track: string;
  /** "" when Last.fm has no album. */
  album: string;
  image_url: string | null;
}

/** Recorded by `migrate.ts`, one row per applied file. */
export interface SchemaMigrationsTable {
  name: string;
  applied_at: Generated<Date>;
}

/** A Last.fm user who signed in. */
export interface AccountsTable {
  id: Generated<number>;
  username: string;
  username_lower: GeneratedAlways<string>;
  session_key_enc: Buffer | null;
  key_state: KeyState;
  created_at: Date;
  updated_at: Date;
}

/** A signed-in browser, by SHA-256 of its cookie value. */
export interface WebSessionsTable {
  id_hash: Buffer;
  account_id: number;
  created_at: Date;
  last_seen_at: Date;
}

/** A one-time sign-in `state`, by SHA-256. */
export interface AuthStatesTable {
  state_hash: Buffer;
  return_to: string | null;
  created_at: Date;
  expires_at: Date;
}

/** A followed Last.fm user and its polling state. */
export interface HostsTable {
  id: Generated<number>;
  username: string;
  username_lower: GeneratedAlways<string>;
  /** UNIX seconds of the newest scrobble seen. */
  newest_seen_uts: number | null;
  now_playing: Jsonb<NowPlayingJson | null>;
  now_playing_since: Date | null;
  /** The latest the current play may have started when only a span is known (null: exact). */
  now_playing_since_latest: Date | null;
  now_playing_duration_ms: number | null;
  next_poll_at: Date;
  lease_owner: string | null;
  lease_until: Date | null;
  poll_failures: Generated<number>;
  last_activity_at: Date | null;
  last_polled_at: Date | null;
  last_error: string | null;
  created_at: Date;
  /** The host's Last.fm avatar (user.getInfo), when it has one. */
  image_url: string | null;
  /** When user.getInfo was last asked (at most daily), whatever it answered. */
  image_checked_at: Date | null;
}

/** A guest following a host. */
export interface FollowsTable {
  id: Generated<number>;
  guest_id: number;
  host_id: number;
  state: FollowState;
  mirror_now_playing: boolean;
  stop_reason: StopReason | null;
  pause_reason: PauseReason | null;
  started_at: Date;
  stopped_at: Date | null;
  created_at: Date;
  last_guard_check_at: Date | null;
  held_until: Date | null;
  mirrored_count: Generated<number>;
  ignored_count: Generated<number>;
  last_now_playing_key: string | null;
}

/** A span of time during which a follow's guest was listening. */
export interface FollowWindowsTable {
  id: Generated<number>;
  follow_id: number;
  opened_at: Date;
  closed_at: Date | null;
  /** The lead (the track playing when the window opened): exact artist, or null for none. */
  lead_artist: string | null;
  lead_track: string | null;
  /** UNIX seconds: the lead's scrobble started after this. */
  lead_after_uts: number | null;
  /** The lead track's duration (ms) when the window opened, when known. */
  lead_duration_ms: number | null;
  /** UNIX seconds: the lead's scrobble, once matched. */
  lead_uts: number | null;
}

/** One host scrobble to copy onto one guest's profile. */
export interface OutboxTable {
  id: Generated<number>;
  follow_id: number;
  guest_id: number;
  artist: string;
  track: string;
  album: string;
  album_artist: string | null;
  /** UNIX seconds: the scrobble's original timestamp. */
  timestamp: number;
  image_url: string | null;
  state: OutboxState;
  attempts: Generated<number>;
  next_attempt_at: Date;
  sending_since: Date | null;
  ignored_code: number | null;
  ignored_message: string | null;
  last_error: string | null;
  created_at: Date;
  settled_at: Date | null;
}

/** Cache of track.getInfo durations. */
export interface TrackDurationsTable {
  artist_lower: string;
  track_lower: string;
  duration_ms: number | null;
  fetched_at: Date;
}

/** A guest's engine event stream. */
export interface EventsTable {
  id: Generated<number>;
  guest_id: number;
  type: string;
  payload: Jsonb<JsonObject>;
  created_at: Date;
}

/** Token buckets of the shared Last.fm rate limiter. */
export interface RateLimitBucketsTable {
  key: string;
  tokens: number;
  updated_at: Date;
}

/** Token buckets of the API's own rate limits on PostgreSQL (`api-buckets.ts`). */
export interface ApiRateBucketsTable {
  key: string;
  tokens: number;
  /** Tokens the last take gave. */
  granted: number;
  updated_at: Date;
  /** When the bucket is full again (and may be swept). */
  full_at: Date;
}

/** Every table, as Kysely sees the database. */
export interface Database {
  schema_migrations: SchemaMigrationsTable;
  accounts: AccountsTable;
  web_sessions: WebSessionsTable;
  auth_states: AuthStatesTable;
  hosts: HostsTable;
  follows: FollowsTable;
  follow_windows: FollowWindowsTable;
  outbox: OutboxTable;
  track_durations: TrackDurationsTable;
  events: EventsTable;
  rate_limit_buckets: RateLimitBucketsTable;
  api_rate_buckets: ApiRateBucketsTable;
}

/**
 * What store functions run their queries on: `db.kysely` or a transaction's `trx` (a Kysely
 * `Transaction` is a `Kysely`). Pass `trx` inside a transaction: see the warning in `db.ts`.
 */
export type DbExecutor = Kysely<Database>;

/** A row of `accounts` as selected. */
export type AccountRow = Selectable<AccountsTable>;
/** A new `accounts` row. */
export type NewAccount = Insertable<AccountsTable>;
/** A row of `web_sessions` as selected. */
export type WebSessionRow = Selectable<WebSessionsTable>;
/** A row of `auth_states` as selected. */
export type AuthStateRow = Selectable<AuthStatesTable>;
/** A row of `hosts` as selected. */
export type HostRow = Selectable<HostsTable>;
/** A new `hosts` row. */
export type NewHost = Insertable<HostsTable>;
/** Changes to a `hosts` row. */
export type HostUpdate = Updateable<HostsTable>;
/** A row of `follows` as selected. */
export type FollowRow = Selectable<FollowsTable>;
/** A new `follows` row. */
export type NewFollow = Insertable<FollowsTable>;
/** Changes to a `follows` row. */
export type FollowUpdate = Updateable<FollowsTable>;
/** A row of `follow_windows` as selected. */
export type FollowWindowRow = Selectable<FollowWindowsTable>;
/** A new `follow_windows` row. */
export type NewFollowWindow = Insertable<FollowWindowsTable>;
/** A row of `outbox` as selected. */
export type OutboxRow = Selectable<OutboxTable>;
/** A new `outbox` row. */
export type NewOutbox = Insertable<OutboxTable>;
/** Changes to an `outbox` row. */
export type OutboxUpdate = Updateable<OutboxTable>;
/** A row of `track_durations` as selected. */
export type TrackDurationRow = Selectable<TrackDurationsTable>;
/** A row of `events` as selected. */
export type EventRow = Selectable<EventsTable>;
/** A new `events` row. */
export type NewEvent = Insertable<EventsTable>;
/** A row of `rate_limit_buckets` as selected. */
export type RateLimitBucketRow = Selectable<RateLimitBucketsTable>;
