/**
 * `track.scrobble` (docs/lastfm.md, "track.scrobble"): batches of up to 50, per-item ignore rules
 * (14 days old, too far in the future, daily cap), duplicates recorded once but still answered as
 * accepted.
 */
import { DAY_MS } from '../../lib/clock.js';
import { apiErrors } from '../errors.js';
import type { UserRecord } from '../state.js';
import type { ApiBody, ApiCall, ApiContext, MethodDef } from './context.js';
import { sessionUser } from './context.js';
import { corrected } from './shapes.js';

const MAX_BATCH = 50;
const INDEXED = /^([A-Za-z]+)\[(\d+)\]$/;

/** One item of a batch as sent. */
interface Item {
  artist: string;
  track: string;
  timestamp: number;
  album: string | undefined;
  albumArtist: string | undefined;
  duration: number | null;
}

/**
 * Why an item is ignored: the documented codes 1..5 (docs/lastfm.md, "track.scrobble"); 0 =
 * accepted.
 */
type Reason = 0 | 3 | 4 | 5;

const REASON_TEXT: Record<Exclude<Reason, 0>, string> = {
  3: 'Timestamp was too old',
  4: 'Timestamp was too new',
  5: 'Daily scrobble limit exceeded',
};

/** Scrobbles the batch onto the session user's library. */
export const scrobble: MethodDef = {
  name: 'track.scrobble',
  write: true,
  signed: true,
  handle(ctx: ApiContext, call: ApiCall): ApiBody {
    const items = parseBatch(call.params);
    const user = sessionUser(ctx, call);
    const reasons = items.map((it) => timeReason(ctx, it.timestamp, call.nowSec));
    const cap = ctx.quirks.dailyScrobbleCap;
    const daily = dailyCounter(user, call.nowMs);
    if (cap !== null && ctx.quirks.dailyCapMode === 'error') {
      const fresh = items.filter(
        (it, i) => reasons[i] === 0 && !user.history.has(it.artist, it.track, it.timestamp),
      ).length;
      // Refused whole, nothing recorded (HTTP 429 as rjmccallumbigl observed).
      if (fresh > 0 && daily.count + fresh > cap) throw apiErrors.scrobbleRateLimit();
    }
    const out = items.map((it, i) => {
      let reason = reasons[i] ?? 0;
      if (reason === 0 && cap !== null && daily.count >= cap) reason = 5;
      ctx.state.learnTrack(it.artist, it.track, it.album, it.duration);
      if (reason === 0) {
        const row = {
          artist: it.artist,
          track: it.track,
          album: it.album ?? '',
          timestamp: it.timestamp,
        };
        // A duplicate is stored once, still answered as accepted, and does not count to the cap.
        if (ctx.state.recordScrobble(user, row, 'api')) daily.count += 1;
        user.submissions.push({ ...row, at: call.nowMs });
      }
      return itemResult(ctx, it, reason);
    });
    const accepted = out.filter((o) => o.ignoredMessage.code === '0').length;
    return {
      scrobbles: {
        // An object for one scrobble, an array for two or more: always, like the real service.
        scrobble: out.length === 1 ? out[0] : out,
        '@attr': { ignored: out.length - accepted, accepted },
      },
    };
  },
};

function timeReason(ctx: ApiContext, ts: number, nowSec: number): Reason {
  // Exactly 14 days old is already refused (SHOEGAZEssb/Last.fm-Scrubbler-WPF#124).
  if (ts <= nowSec - ctx.quirks.maxScrobbleAgeSec) return 3;
  if (ts > nowSec + ctx.quirks.futureToleranceSec) return 4;
  return 0;
}

/** The user's counter for today (UTC), reset when the day changed. */
function dailyCounter(user: UserRecord, nowMs: number): { day: number; count: number } {
  const day = Math.floor(nowMs / DAY_MS);
  if (user.daily.day !== day) user.daily = { day, count: 0 };
  return user.daily;
}

function itemResult(ctx: ApiContext, it: Item, reason: Reason) {
  let code = '0';
  let text = '';
  if (reason !== 0) {
    const documented = ctx.quirks.ignoredCodes === 'documented';
    // Faithful mode: Last.fm says "1" whatever the reason; the daily cap keeps its own code 5.
    code = documented || reason === 5 ? String(reason) : '1';
    text = documented ? REASON_TEXT[reason] : '';
  }
  return {
    artist: { corrected: '0', '#text': it.artist },
    album: corrected(it.album),
    track: { corrected: '0', '#text': it.track },
    ignoredMessage: { code, '#text': text },
    albumArtist: { corrected: '0', '#text': it.albumArtist ?? '' },
    timestamp: String(it.timestamp),
  };
}

/**
 * The items of a request: `artist[i]`, `track[i]`, `timestamp[i]`… or, for a single scrobble,
 * the same names without `[i]`. More than 50 items, or an index over 49, is error 6.
 */
export function parseBatch(params: ReadonlyMap<string, string>): Item[] {
  const fields = new Map<number, Map<string, string>>();
  for (const [key, value] of params) {
    const m = INDEXED.exec(key);
    if (!m) continue;
    const index = Number(m[2]);
    const f = fields.get(index) ?? new Map<string, string>();
    fields.set(index, f.set(m[1] ?? '', value));
  }
  if (fields.size === 0) return [parseItem(params)];
  if (fields.size > MAX_BATCH || [...fields.keys()].some((i) => i >= MAX_BATCH)) {
    throw apiErrors.missingParam();
  }
  return [...fields.entries()].sort((a, b) => a[0] - b[0]).map(([, f]) => parseItem(f));
}

function parseItem(f: ReadonlyMap<string, string>): Item {
  const artist = f.get('artist');
  const track = f.get('track');
  const ts = f.get('timestamp')?.trim();
  if (!artist || !track || !ts || !/^\d+$/.test(ts)) throw apiErrors.missingParam();
  const duration = f.get('duration')?.trim();
  return {
    artist,
    track,
    timestamp: Number(ts),
    album: f.get('album'),
    albumArtist: f.get('albumArtist'),
    duration: duration && /^\d+$/.test(duration) ? Number(duration) : null,
  };
}
