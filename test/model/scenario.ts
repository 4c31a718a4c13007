/**
 * Random jams for the model-based test: a host's listening (lengths 31 s–8 min, skips, repeats,
 * late scrobbles, Unicode names), 1–3 guests acting at random times (start, pause, resume, stop,
 * catch-up, and repeats of the state they are in), Last.fm fault periods and engine crashes.
 * `ModelScenario` is what fast-check generates and shrinks; `planScenario` turns it into exact
 * times.
 */
import fc from 'fast-check';
import type { CrashPoint } from '../../engine/engine-api.js';
import type { FaultCode, FaultSpec, Quirks } from '../../emulator/types.js';
import { MINUTE_MS, SECOND_MS } from '../../lib/clock.js';
import type { CrashPlan } from '../../sim/lasso-policy.js';
import {
  appearsAtMs,
  isScrobbled,
  scrobbleOf,
  type HostScrobble,
  type Play,
  type Song,
} from '../../sim/listening.js';
import type { GuestAction } from '../../sim/policy.js';

/** One play as generated: which song, skipped (fraction played) or not, late, silence after. */
export interface PlaySpec {
  song: number;
  skip: number | null;
  lateS: number;
  gapS: number;
}

/** One guest step: wait, then the `choice`-th action valid in the current state. */
export interface StepSpec {
  gapMs: number;
  choice: number;
  /** On a start: catch up from this many minutes back (capped to stay valid). */
  catchUpMin: number | null;
}

/** A fault period, in minutes from the start of the jam. */
export interface FaultPeriodSpec {
  startMin: number;
  lengthMin: number;
  rate: number;
  codes: FaultCode[];
  methods: string[] | null;
}

/** What fast-check generates. */
export interface ModelScenario {
  seed: number;
  minutes: number;
  songs: Song[];
  plays: PlaySpec[];
  /** Scrobbles before the jam: [song, minutes before it]. */
  history: Array<[number, number]>;
  guests: Array<{ mirrorNowPlaying: boolean; firstMin: number; steps: StepSpec[] }>;
  faults: FaultPeriodSpec[];
  crashes: CrashPlan[];
  maxConcurrency: number;
  /**
   * Emulator behaviour where Last.fm is unverified or varies (docs/lastfm.md, "Open points"), and
   * the daily cap.
   */
  quirks: Partial<Quirks>;
}

const NASTY = [
  'Beyoncé',
  'Sigur Rós',
  '東京事変',
  'Motörhead',
  '🎸🔥',
  'Ñandú',
  'Ólafur Arnalds',
  'Björk',
  'Ä & Ö',
  'A  B',
];
const name = fc.oneof(
  fc.constantFrom(...NASTY),
  fc
    .string({ unit: 'grapheme', minLength: 1, maxLength: 16 })
    .filter((s) => s.trim() === s && s !== '' && !/\p{Cc}/u.test(s)),
);

const song: fc.Arbitrary<Song> = fc.record({
  artist: name,
  track: name,
  album: fc.oneof(fc.constant(''), name),
  durationS: fc.integer({ min: 31, max: 480 }),
});

const play = (songs: number): fc.Arbitrary<PlaySpec> =>
  fc.record({
    song: fc.nat({ max: songs - 1 }),
    skip: fc.option(fc.double({ min: 0.02, max: 0.98, noNaN: true }), { freq: 4 }),
    lateS: fc.oneof(
      { weight: 3, arbitrary: fc.constant(0) },
      { weight: 1, arbitrary: fc.integer({ min: 60, max: 360 }) },
    ),
    gapS: fc.oneof(
      { weight: 12, arbitrary: fc.constant(0) },
      { weight: 1, arbitrary: fc.integer({ min: 1, max: 600 }) },
    ),
  });

const step: fc.Arbitrary<StepSpec> = fc.record({
  gapMs: fc.integer({ min: 10 * SECOND_MS, max: 40 * MINUTE_MS }),
  choice: fc.nat({ max: 5 }),
  catchUpMin: fc.option(fc.integer({ min: 1, max: 700 }), { freq: 3 }),
});

const CODES: FaultCode[] = [11, 16, 29, 500, 502, 503, 'timeout', 'drop'];
const METHODS = [
  'user.getRecentTracks',
  'track.scrobble',
  'track.getInfo',
  'track.updateNowPlaying',
  'user.getInfo',
];

const faultPeriod = (minutes: number): fc.Arbitrary<FaultPeriodSpec> =>
  fc.record({
    startMin: fc.integer({ min: 0, max: minutes - 1 }),
    lengthMin: fc.integer({ min: 1, max: 20 }),
    rate: fc.double({ min: 0.05, max: 0.6, noNaN: true }),
    codes: fc.subarray(CODES, { minLength: 1 }),
    methods: fc.option(fc.subarray(METHODS, { minLength: 1 }), { freq: 2 }),
  });

const CRASH_POINTS: CrashPoint[] = [
  'poll:after-fetch',
  'poll:after-insert',
  'submit:after-mark-sending',
  'submit:after-call',
  'submit:after-settle',
];
const crash: fc.Arbitrary<CrashPlan> = fc.record({
  point: fc.constantFrom(...CRASH_POINTS),
  hit: fc.integer({ min: 1, max: 15 }),
});

const quirks: fc.Arbitrary<Partial<Quirks>> = fc.record(
  {
    fromInclusive: fc.boolean(),
    singleTrackAsObject: fc.boolean(),
    nowPlayingOnEveryPage: fc.boolean(),
    ignoredCodes: fc.constantFrom('faithful' as const, 'documented' as const),
    // Low enough to be reached now and then; two UTC days always clear a run's scrobbles.
    dailyScrobbleCap: fc.oneof(
      { weight: 4, arbitrary: fc.constant(null) },
      { weight: 1, arbitrary: fc.integer({ min: 25, max: 60 }) },
    ),
    dailyCapMode: fc.constantFrom('ignore' as const, 'error' as const),
  },
  { requiredKeys: [] },
);

/**
 * Songs of the same artist and track (case-insensitively) get the first one's length: Last.fm
 * (and the emulator) know one duration per track name, and Lasso bounds the track playing when a
 * window opens by that duration. A host playing another version of a different length under the
 * same names is beyond what Lasso can tell (engine/README.md, "the lead", known limits).
 */
function oneLengthPerName(songs: Song[]): Song[] {
  const lengths = new Map<string, number>();
  return songs.map((s) => {
    const key = `${s.artist.toLowerCase()}\u0000${s.track.toLowerCase()}`;
    const durationS = lengths.get(key) ?? s.durationS;
    lengths.set(key, durationS);
    return { ...s, durationS };
  });
}

/** The generator of whole scenarios. */
export const modelScenario: fc.Arbitrary<ModelScenario> = fc
  .record({
    minutes: fc.integer({ min: 60, max: 120 }),
    songs: fc.array(song, { minLength: 3, maxLength: 10 }).map(oneLengthPerName),
  })
  .chain(({ minutes, songs }) =>
    fc.record({
      seed: fc.integer({ min: 1, max: 2 ** 30 }),
      minutes: fc.constant(minutes),
      songs: fc.constant(songs),
      plays: fc.array(play(songs.length), { minLength: 30, maxLength: 50 }),
      history: fc.array(
        fc.tuple(fc.nat({ max: songs.length - 1 }), fc.integer({ min: 6, max: 180 })),
        { maxLength: 40 },
      ),
      guests: fc.array(
        fc.record({
          mirrorNowPlaying: fc.boolean(),
          firstMin: fc.integer({ min: 0, max: 30 }),
          steps: fc.array(step, { minLength: 1, maxLength: 8 }),
        }),
        { minLength: 1, maxLength: 3 },
      ),
      faults: fc.array(faultPeriod(minutes), { maxLength: 3 }),
      crashes: fc.array(crash, { maxLength: 2 }),
      maxConcurrency: fc.constantFrom(1, 1, 2, 4),
      quirks,
    }),
  );

/** A scenario with exact times. */
export interface ModelPlan {
  plays: Play[];
  history: HostScrobble[];
  /** Per guest: its actions at their times, ending with a stop if it is still following. */
  actions: Array<Array<{ at: number; action: GuestAction }>>;
  faults: Array<{ from: number; to: number; spec: FaultSpec }>;
  /** When the jam ends (the last stop). */
  endMs: number;
}

/** Turns a generated scenario into times, starting at `t0`. */
export function planScenario(s: ModelScenario, t0: number, host: string): ModelPlan {
  const endMs = t0 + s.minutes * MINUTE_MS;
  const plays = planPlays(s, t0 - 5 * MINUTE_MS, endMs + 10 * MINUTE_MS);
  const history = planHistory(s, t0);
  const known: Known[] = [
    ...history.map((h) => ({ s: h, at: Number.NEGATIVE_INFINITY })),
    ...plays.filter(isScrobbled).map((p) => ({ s: scrobbleOf(p), at: appearsAtMs(p) })),
  ];
  const actions = s.guests.map((g) => planGuest(g, t0, endMs, host, known));
  return { plays, history, actions, faults: planFaults(s, t0, endMs), endMs };
}

function planPlays(s: ModelScenario, from: number, until: number): Play[] {
  const plays: Play[] = [];
  let t = from;
  for (let i = 0; t < until; i++) {
    const spec = s.plays[i % s.plays.length]!;
    const song = s.songs[spec.song]!;
    const playedS =
      spec.skip === null ? song.durationS : Math.max(1, Math.floor(song.durationS * spec.skip));
    plays.push({ song, startMs: t, playedS, lateS: spec.lateS });
    t += (playedS + spec.gapS) * SECOND_MS;
  }
  return plays;
}

function planHistory(s: ModelScenario, t0: number): HostScrobble[] {
  const seen = new Set<number>();
  const out: HostScrobble[] = [];
  for (const [songIdx, minAgo] of s.history) {
    const ts = Math.floor((t0 - minAgo * MINUTE_MS) / SECOND_MS);
    if (seen.has(ts)) continue;
    seen.add(ts);
    const song = s.songs[songIdx]!;
    out.push({ artist: song.artist, track: song.track, album: song.album, timestamp: ts });
  }
  return out;
}

function planFaults(s: ModelScenario, t0: number, endMs: number): ModelPlan['faults'] {
  const out: ModelPlan['faults'] = [];
  let free = t0;
  for (const f of [...s.faults].sort((a, b) => a.startMin - b.startMin)) {
    const from = Math.max(free, t0 + f.startMin * MINUTE_MS);
    const to = Math.min(endMs, from + f.lengthMin * MINUTE_MS);
    if (to <= from) continue;
    const spec: FaultSpec = { rate: f.rate, codes: f.codes, seed: s.seed + out.length };
    if (f.methods) spec.methods = f.methods;
    out.push({ from, to, spec });
    free = to;
  }
  return out;
}

type Known = { s: HostScrobble; at: number };

/**
 * The actions to take in each state, in a fixed order `choice` indexes into. A resume while
 * active and a pause while paused repeat the state (a phone retrying): they succeed unchanged.
 */
const NEXT: Record<'none' | 'active' | 'paused', Array<GuestAction['kind']>> = {
  none: ['start'],
  active: ['pause', 'stop', 'pause', 'resume'],
  paused: ['resume', 'stop', 'resume', 'pause'],
};

function planGuest(
  g: ModelScenario['guests'][number],
  t0: number,
  endMs: number,
  host: string,
  known: Known[],
): ModelPlan['actions'][number] {
  const out: ModelPlan['actions'][number] = [];
  let state: 'none' | 'active' | 'paused' = 'none';
  let lastClose = Number.NEGATIVE_INFINITY;
  let t = t0 + g.firstMin * MINUTE_MS;
  for (const step of g.steps) {
    if (t >= endMs) break;
    const options: Array<GuestAction['kind']> = NEXT[state];
    const kind: GuestAction['kind'] = options[step.choice % options.length] ?? 'stop';
    if (kind === 'start') {
      const action: GuestAction = { kind, host, mirrorNowPlaying: g.mirrorNowPlaying };
      if (step.catchUpMin !== null)
        action.catchUpFrom = catchUpStart(t, step.catchUpMin, lastClose, known);
      out.push({ at: t, action });
      state = 'active';
    } else {
      out.push({ at: t, action: { kind } });
      if (state === 'active' && kind !== 'resume') lastClose = t;
      state = kind === 'pause' ? 'paused' : kind === 'resume' ? 'active' : 'none';
    }
    t += step.gapMs;
  }
  if (state !== 'none') out.push({ at: endMs, action: { kind: 'stop' } });
  return out;
}

/**
 * Where a catch-up opens: `minutes` back, but not before the guest's last window closed (windows
 * stay apart as planned; they overlap only when a stop races the start before it, and then the
 * engine keeps one copy per guest), not more than 11.5 h back, and with at most 45
 * scrobbles already at Last.fm in range (under the engine's cap of 50, so the window opens
 * exactly where asked).
 */
function catchUpStart(at: number, minutes: number, lastClose: number, known: Known[]): number {
  let from = Math.max(at - minutes * MINUTE_MS, at - 690 * MINUTE_MS, lastClose + 1);
  const inRange = known
    .filter((k) => k.at <= at && k.s.timestamp * SECOND_MS >= from)
    .map((k) => k.s.timestamp)
    .sort((a, b) => b - a);
  const oldestAllowed = inRange[44];
  if (inRange.length > 45 && oldestAllowed !== undefined) from = (oldestAllowed + 1) * SECOND_MS;
  return Math.min(from, at);
}
