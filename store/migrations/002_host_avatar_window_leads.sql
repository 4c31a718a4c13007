-- The host's avatar, the track already playing when a window opens, and what history pruning
-- needs. PostgreSQL 15 and PGlite.

-- The host's Last.fm avatar (user.getInfo), asked at most once a day per host, best effort.
ALTER TABLE hosts ADD COLUMN image_url text;
ALTER TABLE hosts ADD COLUMN image_checked_at timestamptz;

-- A window's lead: the track the host was playing when the window opened (the guest hears it).
-- It covers one host scrobble of exactly that artist and track, with a timestamp after
-- `lead_after_uts` and before the window opened. `lead_uts` records the one matched, after which
-- only that timestamp matches. A catch-up window, or one opened while nothing played, has none.
ALTER TABLE follow_windows ADD COLUMN lead_artist text;
ALTER TABLE follow_windows ADD COLUMN lead_track text;
ALTER TABLE follow_windows ADD COLUMN lead_after_uts bigint;
-- The track's duration when the window opened (ms), when known: bounds how long the lead waits.
ALTER TABLE follow_windows ADD COLUMN lead_duration_ms integer;
ALTER TABLE follow_windows ADD COLUMN lead_uts bigint;
ALTER TABLE follow_windows ADD CONSTRAINT follow_windows_lead_ck CHECK (
  (lead_artist IS NULL) = (lead_track IS NULL)
  AND (lead_artist IS NULL) = (lead_after_uts IS NULL)
  AND (lead_duration_ms IS NULL OR lead_artist IS NOT NULL)
  AND (lead_uts IS NULL OR (lead_artist IS NOT NULL AND lead_uts > lead_after_uts)));

-- History pruning looks for follows stopped before a cutoff.
CREATE INDEX follows_stopped_at_idx ON follows (stopped_at) WHERE state = 'stopped';
