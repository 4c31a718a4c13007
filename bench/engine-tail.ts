/**
 * What made the slow copies of a jam slow: for each copy that waited longer than the p95 goal,
 * whether its own play was skipped after the scrobble point, or the play before it was skipped.
 * The engine bench prints these counts beside the p95, which is decided by a handful of them.
 */
import { SECOND_MS } from '../lib/clock.js';
import { isScrobbled, scrobbleOf, type Play } from '../sim/listening.js';
import { scrobbleKey } from '../sim/oracle.js';

/** The delay goal's bound (s): copies slower than this make the tail. */
export const TAIL_S = 60;

/**
 * Why a copy may wait: its own play was skipped after the scrobble point (`late_skip`: its
 * scrobble lands whenever the skip happens, seen at the next look), the play just before it was
 * skipped (`after_skip`: the engine learns of the change only at its next look, so it knows
 * this play's start, and so its end, only roughly), or neither (`other`).
 */
export type TailCause = 'late_skip' | 'after_skip' | 'other';

/** The cause of each scrobbled play's copies, by `scrobbleKey`. */
export function tailCauses(plays: readonly Play[]): Map<string, TailCause> {
  const skipped = (p: Play): boolean => p.playedS < p.song.durationS;
  const causes = new Map<string, TailCause>();
  plays.forEach((play, i) => {
    if (!isScrobbled(play)) return;
    const prev = plays[i - 1];
    const backToBack =
      prev !== undefined && prev.startMs + prev.playedS * SECOND_MS === play.startMs;
    const cause: TailCause = skipped(play)
      ? 'late_skip'
      : backToBack && skipped(prev)
        ? 'after_skip'
        : 'other';
    causes.set(scrobbleKey(scrobbleOf(play)), cause);
  });
  return causes;
}

/** Counts the copies slower than `TAIL_S` by cause; `delays` are every guest's, with keys. */
export function delayTail(
  delays: ReadonlyArray<{ key: string; ms: number }>,
  plays: readonly Play[],
): Record<TailCause, number> {
  const causes = tailCauses(plays);
  const tail: Record<TailCause, number> = { late_skip: 0, after_skip: 0, other: 0 };
  for (const d of delays) if (d.ms > TAIL_S * SECOND_MS) tail[causes.get(d.key) ?? 'other'] += 1;
  return tail;
}
