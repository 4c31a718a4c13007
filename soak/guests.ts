/**
 * What the guests of a run do: scripted steps at moments of the run (ms from its start), each
 * done through the follow API and retried while Lasso is down. Starts and resumes are put early
 * in a track (`alignedStart`) so the track a guest joins on is one Lasso takes at once.
 */
import type { ActionRecord, GuestBrowser } from './browser.js';
import { sleepUntil } from './emulator.js';
import { alignedStart, type Segment } from './plan.js';

/** One step of a guest's script. */
export type GuestStep =
  | { atMs: number; kind: 'start'; mirrorNowPlaying?: boolean; catchUpBackMs?: number }
  | { atMs: number; kind: 'pause' | 'resume' | 'stop' };

/** A guest's script. */
export interface GuestScript {
  name: string;
  /** What this guest does, in words, for the report. */
  role: string;
  steps: GuestStep[];
}

/** The five guests of `npm run soak`, over a run of `lengthMs` with the host's `segments`. */
export function soakGuests(lengthMs: number, segments: readonly Segment[]): GuestScript[] {
  const at = (f: number): number => Math.round(f * lengthMs);
  const open = (f: number): number => alignedStart(segments, at(f));
  return [
    {
      name: 'soak_steady',
      role: 'follows all along, now playing mirrored too',
      steps: [{ atMs: open(0), kind: 'start', mirrorNowPlaying: true }],
    },
    {
      name: 'soak_pauser',
      role: 'pauses and resumes three times',
      steps: [
        { atMs: open(0), kind: 'start' },
        { atMs: at(0.15), kind: 'pause' },
        { atMs: open(0.25), kind: 'resume' },
        { atMs: at(0.45), kind: 'pause' },
        { atMs: open(0.6), kind: 'resume' },
        { atMs: at(0.8), kind: 'pause' },
        { atMs: open(0.86), kind: 'resume' },
      ],
    },
    { name: 'soak_late', role: 'joins late', steps: [{ atMs: open(0.35), kind: 'start' }] },
    {
      name: 'soak_stopper',
      role: 'stops two thirds in',
      steps: [
        { atMs: open(0), kind: 'start' },
        { atMs: at(0.65), kind: 'stop' },
      ],
    },
    {
      name: 'soak_catchup',
      role: 'joins halfway with a catch-up',
      steps: [
        {
          atMs: at(0.5),
          kind: 'start',
          catchUpBackMs: Math.min(150_000, Math.round(lengthMs * 0.3)),
        },
      ],
    },
  ];
}

/** How a guest reaches its host and what it gives up after. */
export interface GuestRunOptions {
  host: string;
  /** Epoch ms of the run's start. */
  t0: number;
  /** How long a step may be retried (ms) before it is given up. */
  retryMs: number;
  onNoAnswer?: (guest: GuestBrowser) => void;
  /** Ends the script early (the run failed): no more steps, no more retries. */
  signal?: AbortSignal;
}

/**
 * Runs `script` for `guest`: each step at its moment (not before the previous one is done).
 * A catch-up start first reads the preview, as the screen does, then confirms it.
 */
export async function runGuest(
  guest: GuestBrowser,
  script: GuestScript,
  o: GuestRunOptions,
): Promise<ActionRecord[]> {
  const records: ActionRecord[] = [];
  for (const step of script.steps) {
    await sleepUntil(o.t0 + step.atMs, o.signal);
    if (o.signal?.aborted) break;
    const deadline = Date.now() + o.retryMs;
    const onNoAnswer = o.onNoAnswer ? () => o.onNoAnswer?.(guest) : undefined;
    let catchUpSince: number | undefined;
    if (step.kind === 'start' && step.catchUpBackMs !== undefined) {
      catchUpSince = await previewCatchUp(guest, o.host, Date.now() - step.catchUpBackMs, deadline);
    }
    const record = await guest.act(step.kind, o.host, {
      deadline,
      ...(catchUpSince === undefined ? {} : { catchUpSince }),
      ...(step.kind === 'start' && step.mirrorNowPlaying ? { mirrorNowPlaying: true } : {}),
      ...(onNoAnswer ? { onNoAnswer } : {}),
      ...(o.signal ? { signal: o.signal } : {}),
    });
    records.push(record);
    if (record.outcome === 'session') break;
  }
  return records;
}

/** GET /api/session/catch-up until it answers; returns where the window will open. */
async function previewCatchUp(
  guest: GuestBrowser,
  host: string,
  since: number,
  deadline: number,
): Promise<number> {
  const route = `/api/session/catch-up?target_username=${encodeURIComponent(host)}&since=${since}`;
  for (;;) {
    const r = await guest.request('GET', route).catch(() => null);
    if (r?.status === 200) return (r.json as { since: number }).since;
    if (Date.now() > deadline) return since;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/**
 * The guests of `npm run soak:multi`: guest i follows host i mod hosts, starting early in a
 * track in the first third of the run; one in ten pauses at half time and resumes soon after;
 * one in twenty stops at two thirds.
 */
export function multiGuests(
  names: readonly string[],
  hostSegments: readonly (readonly Segment[])[],
  lengthMs: number,
  random: { next(): number },
): (GuestScript & { host: number })[] {
  return names.map((name, i) => {
    const host = i % hostSegments.length;
    const segments = hostSegments[host]!;
    const open = (t: number): number => alignedStart(segments, Math.round(t));
    const steps: GuestStep[] = [{ atMs: open(random.next() * 0.3 * lengthMs), kind: 'start' }];
    let role = 'follows to the end';
    if (i % 10 === 3) {
      steps.push({ atMs: Math.round(0.5 * lengthMs), kind: 'pause' });
      steps.push({ atMs: open(0.6 * lengthMs), kind: 'resume' });
      role = 'pauses and resumes';
    } else if (i % 20 === 7) {
      steps.push({ atMs: Math.round((2 / 3) * lengthMs), kind: 'stop' });
      role = 'stops two thirds in';
    }
    return { name, role, steps, host };
  });
}
