-- When the host's current play began is sometimes known only within a span (after a skip Lasso
-- learns of the change only at its next look): `now_playing_since` then holds the earliest
-- possible start and this column the latest, so the play's end is looked for across the whole
-- span (engine/schedule.ts). Null when the start is exact or unknown. PostgreSQL 15 and PGlite.
ALTER TABLE hosts ADD COLUMN now_playing_since_latest timestamptz;
ALTER TABLE hosts ADD CONSTRAINT hosts_now_playing_since_latest_ck CHECK (
  now_playing_since_latest IS NULL
  OR (now_playing_since IS NOT NULL AND now_playing_since_latest >= now_playing_since));
