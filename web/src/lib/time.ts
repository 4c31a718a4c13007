/**
 * Times as the guest reads them: their locale and time zone (the browser's), short forms.
 * API instants are epoch ms; scrobble timestamps are UNIX seconds.
 */

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' });
const dayFormat = new Intl.DateTimeFormat(undefined, {
  weekday: 'short',
  day: 'numeric',
  month: 'short',
});
const dayTimeFormat = new Intl.DateTimeFormat(undefined, {
  weekday: 'short',
  day: 'numeric',
  month: 'short',
  hour: 'numeric',
  minute: '2-digit',
});

/** "21:04" or "9:04 PM", in the guest's locale. */
export function clockTime(ms: number): string {
  return timeFormat.format(ms);
}

/** A scrobble's UNIX-seconds timestamp as a clock time. */
export function scrobbleTime(seconds: number): string {
  return clockTime(seconds * 1000);
}

/** True when both instants fall on the same local day. */
export function sameDay(a: number, b: number): boolean {
  return new Date(a).toDateString() === new Date(b).toDateString();
}

/** "21:04" today, "Sat 5 Dec, 21:04" on another day. */
export function whenText(ms: number, now: number = Date.now()): string {
  return sameDay(ms, now) ? clockTime(ms) : dayTimeFormat.format(ms);
}

/** "Sat 5 Dec". */
export function dayText(ms: number): string {
  return dayFormat.format(ms);
}

/** "21:04–23:40", or "21:04–now" for an open end; the day is added when it is not today. */
export function rangeText(from: number, to: number | null, now: number = Date.now()): string {
  const start = whenText(from, now);
  if (to === null) return `${start}–now`;
  return `${start}–${sameDay(from, to) ? clockTime(to) : whenText(to, now)}`;
}

/** "2 h 5 min", "12 min", "less than a minute". */
export function durationText(ms: number): string {
  if (ms < MINUTE_MS) return 'less than a minute';
  const hours = Math.floor(ms / HOUR_MS);
  const minutes = Math.floor((ms % HOUR_MS) / MINUTE_MS);
  if (hours === 0) return `${minutes} min`;
  return minutes === 0 ? `${hours} h` : `${hours} h ${minutes} min`;
}

/** The value of an `<input type="time">` ("HH:MM") for an instant, in local time. */
export function timeInputValue(ms: number): string {
  const d = new Date(ms);
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}

/**
 * The most recent instant at or before `now` whose local clock reads `value` ("HH:MM"): "I joined
 * at 21:10" said at 00:20 means yesterday's 21:10. Null when `value` is not a time.
 */
export function latestAtClock(value: string, now: number = Date.now()): number | null {
  const match = /^(\d{2}):(\d{2})$/.exec(value);
  if (!match) return null;
  const d = new Date(now);
  d.setHours(Number(match[1]), Number(match[2]), 0, 0);
  if (d.getTime() > now) d.setDate(d.getDate() - 1);
  return d.getTime();
}

/** "2 tracks", "1 track". */
export function tracks(n: number): string {
  return `${n} ${n === 1 ? 'track' : 'tracks'}`;
}
