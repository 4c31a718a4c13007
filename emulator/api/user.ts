/**
 * `user.getInfo` and `user.getRecentTracks` (docs/lastfm.md, "user.getRecentTracks",
 * "user.getInfo").
 */
import { apiErrors } from '../errors.js';
import type { UserRecord } from '../state.js';
import type { ApiBody, ApiCall, ApiContext, MethodDef } from './context.js';
import { intParam, required } from './context.js';
import { artImages } from '../art.js';
import { recentTrackRow, urlPart } from './shapes.js';

const MAX_LIMIT = 200;
const DEFAULT_LIMIT = 50;
const MAX_PAGE = 1_000_000;

/** A user's profile; works for private users too (only their listening is hidden). */
export const getInfo: MethodDef = {
  name: 'user.getInfo',
  write: false,
  signed: false,
  handle(ctx: ApiContext, call: ApiCall): ApiBody {
    // "Defaults to the authenticated user": `sk` stands in for `user`.
    const name = call.params.get('user') || call.session?.user;
    if (!name) throw apiErrors.missingParam();
    const user = ctx.state.user(name);
    if (!user) throw apiErrors.userNotFound();
    return {
      user: {
        name: user.name,
        age: '0',
        subscriber: '0',
        realname: '',
        bootstrap: '0',
        playcount: String(user.history.size),
        playlists: '0',
        image: artImages(ctx.publicUrl, { kind: 'user', name: user.name }),
        // The only number among strings here (docs/lastfm.md, "user.getInfo").
        registered: { unixtime: String(user.registeredAt), '#text': user.registeredAt },
        country: 'None',
        gender: 'n',
        url: `https://www.last.fm/user/${urlPart(user.name)}`,
        type: 'user',
      },
    };
  },
};

/** The user's scrobbles, newest first, with the now-playing row on top and outside `limit`. */
export const getRecentTracks: MethodDef = {
  name: 'user.getRecentTracks',
  write: false,
  signed: false,
  handle(ctx: ApiContext, call: ApiCall): ApiBody {
    const user = ctx.state.user(required(call.params, 'user'));
    if (!user) throw apiErrors.userNotFound();
    // A private user's listening is hidden, except from the user's own session.
    const self = call.session?.user.toLowerCase() === user.name.toLowerCase();
    if (user.private && !self) throw apiErrors.loginRequired();
    const { limit, page, ...bounds } = pagingOf(ctx, call.params);
    const q = ctx.quirks;
    const { rows, total } = user.history.page(
      { ...bounds, fromInclusive: q.fromInclusive, toInclusive: q.toInclusive },
      page,
      limit,
    );
    const extended = ['1', 'true'].includes(call.params.get('extended') ?? '');
    const tracks = rows.map((r) => recentTrackRow(r, extended, ctx.publicUrl));
    const np = nowPlayingRow(ctx, user, call.nowMs, page, extended);
    if (np) tracks.unshift(np);
    return {
      recenttracks: {
        track: q.singleTrackAsObject && tracks.length === 1 ? tracks[0] : tracks,
        '@attr': {
          user: user.name,
          totalPages: String(Math.ceil(total / limit)),
          page: String(page),
          perPage: String(limit),
          total: String(total),
        },
      },
    };
  },
};

function nowPlayingRow(
  ctx: ApiContext,
  user: UserRecord,
  nowMs: number,
  page: number,
  extended: boolean,
): Record<string, unknown> | null {
  if (page !== 1 && !ctx.quirks.nowPlayingOnEveryPage) return null;
  const np = ctx.state.nowPlaying(user, nowMs);
  if (!np) return null;
  return recentTrackRow({ ...np, timestamp: null }, extended, ctx.publicUrl);
}

function pagingOf(
  ctx: ApiContext,
  params: ReadonlyMap<string, string>,
): { limit: number; page: number; from?: number; to?: number } {
  let limit = intParam(params, 'limit') ?? DEFAULT_LIMIT;
  if (Number.isNaN(limit) || limit < 1) throw apiErrors.limitBounds();
  if (limit > MAX_LIMIT) {
    if (ctx.quirks.limitAbove200 === 'error') throw apiErrors.limitBounds();
    limit = MAX_LIMIT;
  }
  const page = intParam(params, 'page') ?? 1;
  if (Number.isNaN(page) || page < 1 || page > MAX_PAGE) throw apiErrors.pageBounds();
  const from = intParam(params, 'from');
  const to = intParam(params, 'to');
  if (Number.isNaN(from) || Number.isNaN(to)) throw apiErrors.missingParam();
  // A bound left out is no bound: the keys are absent, never `undefined`.
  return {
    limit,
    page,
    ...(from === undefined ? {} : { from }),
    ...(to === undefined ? {} : { to }),
  };
}
