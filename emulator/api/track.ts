/**
 * `track.getInfo` and `track.updateNowPlaying` (docs/lastfm.md, "track.getInfo",
 * "track.updateNowPlaying").
 */
import { apiErrors } from '../errors.js';
import type { ApiBody, ApiCall, ApiContext, MethodDef } from './context.js';
import { intParam, required, sessionUser } from './context.js';
import { artImages } from '../art.js';
import { artistUrl, corrected, trackUrl, urlPart } from './shapes.js';

/**
 * A track the emulator has heard of (scrobbled, now playing, played by a listener, or registered
 * with `POST /_emulator/tracks`). `duration` is milliseconds as a string, "0" when unknown.
 */
export const getInfo: MethodDef = {
  name: 'track.getInfo',
  write: false,
  signed: false,
  handle(ctx: ApiContext, call: ApiCall): ApiBody {
    const artist = call.params.get('artist');
    const track = call.params.get('track');
    if (!artist || !track) {
      // Lookup by mbid alone: the emulator has no MusicBrainz ids, so nothing matches.
      if (call.params.get('mbid')) throw apiErrors.trackNotFound();
      throw apiErrors.missingParam();
    }
    const t = ctx.state.findTrack(artist, track);
    if (!t) throw apiErrors.trackNotFound();
    const body: Record<string, unknown> = {
      name: t.track,
      mbid: '',
      url: trackUrl(t.artist, t.track),
      duration: String((t.durationSec ?? 0) * 1000),
      streamable: { '#text': '0', fulltrack: '0' },
      listeners: String(t.listeners.size),
      playcount: String(t.playcount),
      artist: { name: t.artist, mbid: '', url: artistUrl(t.artist) },
    };
    if (t.album) {
      body.album = {
        artist: t.artist,
        title: t.album,
        mbid: '',
        url: `${artistUrl(t.artist)}/${urlPart(t.album)}`,
        image: artImages(ctx.publicUrl, { kind: 'album', artist: t.artist, album: t.album }),
      };
    }
    body.toptags = { tag: [] };
    return { track: body };
  },
};

/** Sets the session user's now-playing entry; it lapses after `duration` or the default. */
export const updateNowPlaying: MethodDef = {
  name: 'track.updateNowPlaying',
  write: true,
  signed: true,
  handle(ctx: ApiContext, call: ApiCall): ApiBody {
    const artist = required(call.params, 'artist');
    const track = required(call.params, 'track');
    const album = call.params.get('album') ?? '';
    const duration = intParam(call.params, 'duration');
    const user = sessionUser(ctx, call);
    ctx.state.setNowPlaying(
      user,
      {
        artist,
        track,
        album,
        ...(duration === undefined || Number.isNaN(duration) ? {} : { duration }),
      },
      call.nowMs,
      ctx.quirks.nowPlayingDefaultSec,
    );
    return {
      nowplaying: {
        artist: { corrected: '0', '#text': artist },
        track: { corrected: '0', '#text': track },
        ignoredMessage: { code: '0', '#text': '' },
        albumArtist: { corrected: '0', '#text': call.params.get('albumArtist') ?? '' },
        album: corrected(album),
      },
    };
  },
};
