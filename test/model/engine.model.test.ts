/**
 * Model-based property test of the mirroring engine: for any jam — random host listening with
 * skips, repeats, late scrobbles and Unicode names; 1–3 guests starting, pausing, resuming,
 * stopping and catching up at random times; Last.fm faults (11, 16, 29, 5xx, timeouts, dropped
 * answers) in random periods; the engine killed at a random crash point and restarted — every
 * guest's Last.fm library ends up exactly the host scrobbles inside its windows: nothing lost,
 * nothing twice, nothing it did not hear.
 *
 * `MODEL_RUNS` sets the number of runs (default 20); `MODEL_DB=postgres` runs them on the server of
 * `TEST_DATABASE_URL`; `MODEL_VERBOSE=1` prints a line per run. A failure prints fast-check's seed and path;
 * rerun one with `MODEL_SEED=<seed> MODEL_PATH=<path>`, and add `MODEL_SHRINK=1` to shrink it
 * (each shrink step is a whole simulation, so shrinking is off by default).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CrashPoint } from '../../engine/engine-api.js';
import type { LastfmApi } from '../../lastfm/types.js';
import type { EngineFactory } from '../../sim/lasso-policy.js';
import { testDatabases } from '../../store/test-support/databases.js';
import { createEngine } from '../../engine/engine.js';
import { runModel } from './run-model.js';
import { modelScenario, type ModelScenario } from './scenario.js';

const RUNS = Number(process.env.MODEL_RUNS ?? 20);
const SEED = process.env.MODEL_SEED === undefined ? undefined : Number(process.env.MODEL_SEED);
const PATH = process.env.MODEL_PATH;
const SHRINK = process.env.MODEL_SHRINK === '1';
const VERBOSE = process.env.MODEL_VERBOSE === '1';
/** `MODEL_DB=postgres` runs on the server of `TEST_DATABASE_URL` instead of PGlite. */
const database = testDatabases().find((d) => d.name === (process.env.MODEL_DB ?? 'pglite'));
if (!database?.enabled)
  throw new Error(`MODEL_DB=${process.env.MODEL_DB}: no such database enabled`);

describe('the mirroring engine under random jams, faults and crashes', () => {
  it(
    "leaves every guest's library equal to the host scrobbles inside its windows",
    async () => {
      await fc.assert(
        fc.asyncProperty(modelScenario, async (scenario) => {
          const db = await database.open();
          try {
            const verdict = await runModel(scenario, db, createEngine);
            if (VERBOSE) console.log(verdict.stats);
            if (!verdict.ok) throw new Error(verdict.summary);
          } finally {
            await db.close();
          }
        }),
        {
          numRuns: RUNS,
          endOnFailure: !SHRINK,
          ...(SEED !== undefined ? { seed: SEED } : {}),
          ...(PATH !== undefined ? { path: PATH } : {}),
        },
      );
    },
    // ~4 s a run on a quiet machine, 12 s seen with both cores busy: room for twice that.
    Math.max(300_000, RUNS * 30_000),
  );
});

/** A plain jam: one guest from the start to the end, no faults, no crashes. */
const plainJam: ModelScenario = {
  seed: 7,
  minutes: 60,
  songs: [
    { artist: 'Sigur Rós', track: 'Hoppípolla', album: 'Takk…', durationS: 268 },
    { artist: '東京事変', track: '群青日和', album: '', durationS: 211 },
  ],
  plays: [
    { song: 0, skip: null, lateS: 0, gapS: 0 },
    { song: 1, skip: null, lateS: 0, gapS: 0 },
  ],
  history: [],
  guests: [
    {
      mirrorNowPlaying: false,
      firstMin: 1,
      steps: [{ gapMs: 2 * 60 * 60_000, choice: 0, catchUpMin: null }],
    },
  ],
  faults: [],
  crashes: [],
  maxConcurrency: 1,
  quirks: {},
};

/** `createEngine` with its Last.fm client's `scrobble` replaced. */
function withScrobble(scrobble: (api: LastfmApi) => LastfmApi['scrobble']): EngineFactory {
  return (deps) =>
    createEngine({ ...deps, lastfm: { ...deps.lastfm, scrobble: scrobble(deps.lastfm) } });
}

describe('the oracle of the model test', () => {
  it('passes a plain jam and fails one whose client loses a batch or sends one twice', async () => {
    const run = async (factory: EngineFactory) => {
      const db = await database.open();
      try {
        return await runModel(plainJam, db, factory);
      } finally {
        await db.close();
      }
    };
    const plain = await run(createEngine);
    expect(plain.problems).toEqual([]);
    expect(plain.outcomes[0]?.comparison.mirrored).toBeGreaterThan(10);

    let calls = 0;
    const loses = await run(
      withScrobble((api) => async (sk, items, signal) => {
        // The third batch is answered as accepted without reaching Last.fm.
        if (++calls === 3)
          return {
            accepted: items.length,
            ignored: 0,
            items: items.map((i) => ({ ...i, accepted: true, ignoredCode: 0, ignoredMessage: '' })),
          };
        return api.scrobble(sk, items, signal);
      }),
    );
    expect(loses.ok).toBe(false);
    expect(loses.outcomes[0]?.comparison.missing.length).toBeGreaterThan(0);

    const twice = await run(
      withScrobble((api) => async (sk, items, signal) => {
        await api.scrobble(sk, items, signal);
        return api.scrobble(sk, items, signal);
      }),
    );
    expect(twice.ok).toBe(false);
    expect(twice.problems.join('\n')).toContain('sent again');
  }, 60_000);
});

describe('the mirroring engine killed at each crash point', () => {
  const points: CrashPoint[] = [
    'poll:after-fetch',
    'poll:after-insert',
    'submit:after-mark-sending',
    'submit:after-call',
    'submit:after-settle',
  ];
  it.each(points)('loses and repeats nothing when killed at %s and restarted', async (point) => {
    const db = await database.open();
    try {
      const verdict = await runModel(
        { ...plainJam, crashes: [{ point, hit: 2 }] },
        db,
        createEngine,
      );
      expect(verdict.problems).toEqual([]);
      expect(verdict.summary).toContain(`${point}@`);
    } finally {
      await db.close();
    }
  });
});

describe('the mirroring engine after a stop', () => {
  it('mirrors the late scrobble of the track playing at the stop, though a later one landed first', async () => {
    // Plays from 17:55:00 alternate X (268 s, scrobble 5 min late) and Y (100 s, on time); the
    // guest stops at 18:28:20 during the X that started at 18:25:40, whose scrobble lands at
    // 18:35:08 — after that of the Y that started after the stop (18:31:48).
    const jam: ModelScenario = {
      ...plainJam,
      songs: [
        { artist: 'A', track: 'X', album: '', durationS: 268 },
        { artist: 'B', track: 'Y', album: '', durationS: 100 },
      ],
      plays: [
        { song: 0, skip: null, lateS: 300, gapS: 0 },
        { song: 1, skip: null, lateS: 0, gapS: 0 },
      ],
      guests: [
        {
          mirrorNowPlaying: false,
          firstMin: 0,
          steps: [
            { gapMs: 28 * 60_000 + 20_000, choice: 0, catchUpMin: null },
            { gapMs: 60 * 60_000, choice: 1, catchUpMin: null },
          ],
        },
      ],
    };
    const db = await database.open();
    try {
      const verdict = await runModel(jam, db, createEngine);
      expect(verdict.problems, verdict.summary).toEqual([]);
      const lateX = Date.UTC(2026, 0, 5, 18, 25, 40) / 1000;
      expect(verdict.outcomes[0]?.expected.map((s) => s.timestamp)).toContain(lateX);
    } finally {
      await db.close();
    }
  });
});
