-- Token buckets of Lasso's own API rate limits on PostgreSQL, shared by every instance (per IP,
-- per session, sign-in per IP; see store/api-buckets.ts). PostgreSQL 15 and PGlite (which keeps
-- the API's buckets in memory and never calls this).
--
-- Written on most API requests, so UNLOGGED: no WAL, and a commit that only touched them does
-- not wait for a disk flush, so the row lock on a busy bucket (a room's shared IP) is held for
-- microseconds. After a server crash the table comes back empty: every bucket starts full again,
-- harmless for a rate limit. `granted`: what the last take gave; `full_at`: when the bucket is
-- full again, so it can be swept.
CREATE UNLOGGED TABLE api_rate_buckets (
  key text PRIMARY KEY,
  tokens double precision NOT NULL,
  granted integer NOT NULL,
  updated_at timestamptz NOT NULL,
  full_at timestamptz NOT NULL
);

-- Asks the buckets `bucket_keys`, in order, for `asked` tokens: each refills by the time since
-- its last take (never above its burst, never for time running backwards), then gives what it
-- has up to what the bucket before it gave; a bucket after one that gave nothing is not asked.
-- One row per bucket asked: what it gave and the tokens it has left. A function, so its plan is
-- made once per connection rather than at every request; row locks are taken in key order of
-- the call, so callers listing buckets in one fixed order cannot deadlock.
CREATE FUNCTION api_rate_take(
  bucket_keys text[],
  per_second double precision[],
  burst double precision[],
  asked integer,
  at_time timestamptz
) RETURNS TABLE (gave integer, tokens_left double precision)
LANGUAGE plpgsql AS $$
DECLARE
  want integer := asked;
BEGIN
  FOR i IN 1 .. cardinality(bucket_keys) LOOP
    EXIT WHEN want <= 0;
    INSERT INTO api_rate_buckets AS b (key, tokens, granted, updated_at, full_at)
    SELECT bucket_keys[i], burst[i] - g, g, at_time,
      at_time + make_interval(secs => g / per_second[i])
    FROM (SELECT LEAST(want, floor(burst[i]))::integer AS g) first_take
    ON CONFLICT (key) DO UPDATE SET (tokens, granted, updated_at, full_at) = (
      SELECT level - give, give, since,
        since + make_interval(secs => (burst[i] - level + give) / per_second[i])
      FROM (
        SELECT
          LEAST(burst[i], b.tokens
            + GREATEST(0, EXTRACT(EPOCH FROM (at_time - b.updated_at))) * per_second[i]) AS level,
          GREATEST(at_time, b.updated_at) AS since
      ) refilled,
      LATERAL (SELECT LEAST(want, floor(level))::integer AS give) taken
    )
    RETURNING b.granted, b.tokens INTO gave, tokens_left;
    RETURN NEXT;
    want := gave;
  END LOOP;
END
$$;
