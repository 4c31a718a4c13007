-- Lasso's first schema. PostgreSQL 15 and PGlite. Times are timestamptz; scrobble timestamps are
-- bigint UNIX seconds, as Last.fm gives them. No column defaults to now(): every time comes from
-- the application's injected clock, so simulated days write simulated times.

-- A Last.fm user who signed in to Lasso.
CREATE TABLE accounts (
  id bigserial PRIMARY KEY,
  username text NOT NULL,
  -- Last.fm usernames are case-insensitive: one account per lowercased name.
  username_lower text GENERATED ALWAYS AS (lower(username)) STORED,
  -- AES-256-GCM blob made by the server; the store never sees the clear session key.
  session_key_enc bytea,
  key_state text NOT NULL CHECK (key_state IN ('valid', 'revoked', 'disconnected')),
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  CONSTRAINT accounts_username_lower_key UNIQUE (username_lower),
  -- A key said to be valid must be there to use.
  CONSTRAINT accounts_valid_key_ck CHECK (key_state <> 'valid' OR session_key_enc IS NOT NULL)
);

-- A signed-in browser. The cookie holds a random id; only its SHA-256 is stored.
CREATE TABLE web_sessions (
  id_hash bytea PRIMARY KEY CHECK (octet_length(id_hash) = 32),
  account_id bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL,
  last_seen_at timestamptz NOT NULL
);
CREATE INDEX web_sessions_account_id_idx ON web_sessions (account_id);
CREATE INDEX web_sessions_last_seen_at_idx ON web_sessions (last_seen_at);

-- The one-time `state` of a Last.fm sign-in in progress (hashed like the session id).
CREATE TABLE auth_states (
  state_hash bytea PRIMARY KEY CHECK (octet_length(state_hash) = 32),
  return_to text,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL
);
CREATE INDEX auth_states_expires_at_idx ON auth_states (expires_at);

-- A followed Last.fm user, polled once for all of its followers.
CREATE TABLE hosts (
  id bigserial PRIMARY KEY,
  username text NOT NULL,
  username_lower text GENERATED ALWAYS AS (lower(username)) STORED,
  newest_seen_uts bigint,
  -- {"artist", "track", "album", "image_url"} of what the host is playing, or null.
  now_playing jsonb,
  now_playing_since timestamptz,
  now_playing_duration_ms integer,
  next_poll_at timestamptz NOT NULL,
  lease_owner text,
  lease_until timestamptz,
  poll_failures integer NOT NULL DEFAULT 0,
  last_activity_at timestamptz,
  last_polled_at timestamptz,
  last_error text,
  created_at timestamptz NOT NULL,
  CONSTRAINT hosts_username_lower_key UNIQUE (username_lower)
);
CREATE INDEX hosts_next_poll_at_idx ON hosts (next_poll_at);

-- A guest following a host. Its windows say when the guest was listening.
CREATE TABLE follows (
  id bigserial PRIMARY KEY,
  guest_id bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  host_id bigint NOT NULL REFERENCES hosts (id),
  state text NOT NULL CHECK (state IN ('active', 'paused', 'stopped')),
  mirror_now_playing boolean NOT NULL,
  stop_reason text CHECK (stop_reason IN ('stopped_by_user', 'switched', 'jam_ended',
    'max_duration', 'target_not_found', 'target_private', 'auth_revoked')),
  pause_reason text CHECK (pause_reason IN ('user', 'already_scrobbling')),
  started_at timestamptz NOT NULL,
  stopped_at timestamptz,
  created_at timestamptz NOT NULL,
  last_guard_check_at timestamptz,
  -- Daily scrobble limit reached: following goes on, sending waits until then.
  held_until timestamptz,
  -- Kept on the follow so history still has counts after outbox rows are pruned.
  mirrored_count integer NOT NULL DEFAULT 0,
  ignored_count integer NOT NULL DEFAULT 0,
  last_now_playing_key text,
  -- A stopped follow says why and when; an open one has neither.
  CONSTRAINT follows_stopped_ck CHECK (
    (state = 'stopped' AND stop_reason IS NOT NULL AND stopped_at IS NOT NULL)
    OR (state <> 'stopped' AND stop_reason IS NULL AND stopped_at IS NULL)),
  -- Only a paused follow has, and must have, a pause reason.
  CONSTRAINT follows_paused_ck CHECK ((state = 'paused') = (pause_reason IS NOT NULL))
);
-- A guest follows at most one host at a time.
CREATE UNIQUE INDEX follows_one_open_per_guest_idx ON follows (guest_id) WHERE state <> 'stopped';
CREATE INDEX follows_open_by_host_idx ON follows (host_id) WHERE state <> 'stopped';
CREATE INDEX follows_host_id_idx ON follows (host_id);
CREATE INDEX follows_guest_history_idx ON follows (guest_id, started_at DESC);

-- When a guest was listening: opened on start/resume, closed on pause/stop.
CREATE TABLE follow_windows (
  id bigserial PRIMARY KEY,
  follow_id bigint NOT NULL REFERENCES follows (id) ON DELETE CASCADE,
  opened_at timestamptz NOT NULL,
  closed_at timestamptz,
  CONSTRAINT follow_windows_order_ck CHECK (closed_at IS NULL OR closed_at >= opened_at)
);
CREATE INDEX follow_windows_follow_id_idx ON follow_windows (follow_id, opened_at);
-- A follow has at most one open window.
CREATE UNIQUE INDEX follow_windows_one_open_idx ON follow_windows (follow_id) WHERE closed_at IS NULL;

-- One host scrobble to copy onto one guest's profile: the durable queue of the submitter.
CREATE TABLE outbox (
  id bigserial PRIMARY KEY,
  follow_id bigint NOT NULL REFERENCES follows (id) ON DELETE CASCADE,
  guest_id bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  artist text NOT NULL,
  track text NOT NULL,
  album text NOT NULL,
  album_artist text,
  "timestamp" bigint NOT NULL,
  image_url text,
  state text NOT NULL CHECK (state IN ('pending', 'sending', 'accepted', 'ignored')),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL,
  sending_since timestamptz,
  ignored_code integer,
  ignored_message text,
  last_error text,
  created_at timestamptz NOT NULL,
  settled_at timestamptz,
  -- A repeated poll inserts nothing twice. Its index also serves "rows of a follow by timestamp".
  CONSTRAINT outbox_follow_scrobble_key UNIQUE (follow_id, "timestamp", artist, track),
  -- Accepted and ignored rows are final and say when they became so.
  CONSTRAINT outbox_settled_ck CHECK ((state IN ('accepted', 'ignored')) = (settled_at IS NOT NULL)),
  -- A row being sent says since when, so a crashed send can be found and checked.
  CONSTRAINT outbox_sending_ck CHECK ((state = 'sending') = (sending_since IS NOT NULL))
);
CREATE INDEX outbox_pending_idx ON outbox (guest_id, next_attempt_at) WHERE state = 'pending';
CREATE INDEX outbox_pending_due_idx ON outbox (next_attempt_at) WHERE state = 'pending';
CREATE INDEX outbox_sending_idx ON outbox (guest_id, sending_since) WHERE state = 'sending';
CREATE INDEX outbox_guest_idx ON outbox (guest_id, "timestamp");
CREATE INDEX outbox_settled_at_idx ON outbox (settled_at) WHERE settled_at IS NOT NULL;

-- Cache of track.getInfo durations, keyed case-insensitively.
CREATE TABLE track_durations (
  artist_lower text NOT NULL,
  track_lower text NOT NULL,
  duration_ms integer,
  fetched_at timestamptz NOT NULL,
  PRIMARY KEY (artist_lower, track_lower)
);

-- A guest's engine event stream, resumable by id (server-sent events' Last-Event-ID).
CREATE TABLE events (
  id bigserial PRIMARY KEY,
  guest_id bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  type text NOT NULL,
  payload jsonb NOT NULL,
  created_at timestamptz NOT NULL
);
CREATE INDEX events_guest_id_idx ON events (guest_id, id);
CREATE INDEX events_created_at_idx ON events (created_at);

-- Token buckets of the Last.fm rate limiter shared by every instance.
CREATE TABLE rate_limit_buckets (
  key text PRIMARY KEY,
  tokens double precision NOT NULL,
  updated_at timestamptz NOT NULL
);
