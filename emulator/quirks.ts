/** Quirk defaults and validation of a partial quirks object (from options or `PATCH /_emulator/quirks`). */
import { ControlError } from './errors.js';
import type { Quirks } from './types.js';

const DAY_SEC = 86_400;

/** The defaults for every unverified point: docs/lastfm.md, "Open points". */
export const DEFAULT_QUIRKS: Readonly<Quirks> = Object.freeze({
  singleTrackAsObject: false,
  nowPlayingOnEveryPage: true,
  fromInclusive: true,
  toInclusive: false,
  limitAbove200: 'error',
  ignoredCodes: 'faithful',
  errorLinks: false,
  errorsWithHttp200: false,
  escapeSlashes: true,
  sessionSubscriberAsString: false,
  consumedTokenCode: 4,
  maxScrobbleAgeSec: 14 * DAY_SEC,
  futureToleranceSec: 300,
  nowPlayingDefaultSec: 600,
  dailyScrobbleCap: 2800,
  dailyCapMode: 'ignore',
});

type Check = (v: unknown) => boolean;

const isBool: Check = (v) => typeof v === 'boolean';
const isNonNegInt: Check = (v) => typeof v === 'number' && Number.isInteger(v) && v >= 0;
const oneOf =
  (...allowed: unknown[]): Check =>
  (v) =>
    allowed.includes(v);

const CHECKS: Record<keyof Quirks, [Check, string]> = {
  singleTrackAsObject: [isBool, 'a boolean'],
  nowPlayingOnEveryPage: [isBool, 'a boolean'],
  fromInclusive: [isBool, 'a boolean'],
  toInclusive: [isBool, 'a boolean'],
  limitAbove200: [oneOf('error', 'clamp'), '"error" or "clamp"'],
  ignoredCodes: [oneOf('faithful', 'documented'), '"faithful" or "documented"'],
  errorLinks: [isBool, 'a boolean'],
  errorsWithHttp200: [isBool, 'a boolean'],
  escapeSlashes: [isBool, 'a boolean'],
  sessionSubscriberAsString: [isBool, 'a boolean'],
  consumedTokenCode: [oneOf(4, 15), '4 or 15'],
  maxScrobbleAgeSec: [isNonNegInt, 'a non-negative integer'],
  futureToleranceSec: [isNonNegInt, 'a non-negative integer'],
  nowPlayingDefaultSec: [isNonNegInt, 'a non-negative integer'],
  dailyScrobbleCap: [(v) => v === null || isNonNegInt(v), 'null or a non-negative integer'],
  dailyCapMode: [oneOf('ignore', 'error'), '"ignore" or "error"'],
};

/** Checks a partial quirks object; throws a 400 `ControlError` naming the first bad field. */
export function parseQuirks(input: unknown): Partial<Quirks> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new ControlError(400, 'quirks must be a JSON object');
  }
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input)) {
    const rule = CHECKS[key as keyof Quirks] as [Check, string] | undefined;
    if (!rule) throw new ControlError(400, `unknown quirk "${key}"`);
    if (!rule[0](value)) throw new ControlError(400, `quirk "${key}" must be ${rule[1]}`);
    out[key] = value;
  }
  return out;
}
