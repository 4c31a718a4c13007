/**
 * A host's scripted listener: plays a planned script on the real clock through the emulator's
 * control API, as a Spotify client reports to Last.fm — the now-playing entry when a track
 * starts, the scrobble (dated by the start) when it ends or, late, some seconds after — and
 * records what it did in a `HostTruth`.
 */
import type { EmulatorControl } from './emulator.js';
import { sleep, sleepUntil } from './emulator.js';
import type { PlannedPlay, Segment } from './plan.js';
import type { HostTruth } from './truth.js';

/** A running player. */
export interface Player {
  /** Settles when the player has stopped and every late scrobble is posted. */
  done: Promise<void>;
  /** Finish the play going on (its scrobble too), start no other, clear now playing. */
  stop(): void;
}

/** Plays `segments` (ms from `t0`, epoch ms) for `truth.host`. */
export function startPlayer(
  control: EmulatorControl,
  segments: readonly Segment[],
  t0: number,
  truth: HostTruth,
): Player {
  const stopping = new AbortController();
  const late: Promise<void>[] = [];
  const host = truth.host;

  const post = async (index: number): Promise<void> => {
    const p = truth.plays[index]!;
    const row = { artist: p.song.artist, track: p.song.track, album: p.song.album };
    const fromMs = Date.now();
    await control.addScrobble(host, { ...row, timestamp: p.timestamp });
    truth.posted.push({ ...row, timestamp: p.timestamp, play: index, fromMs, toMs: Date.now() });
  };

  const playOne = async (seg: PlannedPlay): Promise<void> => {
    const index = truth.plays.length;
    const fromMs = Date.now();
    truth.plays.push({
      song: seg.song,
      set: { fromMs, toMs: fromMs },
      timestamp: Math.floor(fromMs / 1000),
      scrobbled: seg.scrobbled,
    });
    await control.setNowPlaying(host, seg.song);
    const toMs = Date.now();
    truth.plays[index]!.set.toMs = toMs;
    truth.np.push({ kind: 'set', play: index, fromMs, toMs });
    await sleepUntil(t0 + seg.startMs + seg.playedMs);
    if (!seg.scrobbled) return;
    if (seg.lateMs === 0) await post(index);
    else late.push(sleep(seg.lateMs).then(() => post(index)));
  };

  const run = async (): Promise<void> => {
    for (const seg of segments) {
      await sleepUntil(t0 + seg.startMs, stopping.signal);
      if (stopping.signal.aborted) break;
      if (seg.kind === 'play') await playOne(seg);
    }
    const fromMs = Date.now();
    await control.clearNowPlaying(host);
    truth.np.push({ kind: 'clear', fromMs, toMs: Date.now() });
    await Promise.all(late);
  };

  return { done: run(), stop: () => stopping.abort() };
}
