/**
 * The end of a run: once the hosts stopped playing, wait until Lasso has nothing left to send
 * (every guest's export shows no scrobble pending and every required scrobble is in its
 * library) or a deadline passes, wait a little more for anything sent twice, then judge each
 * guest on what the emulator holds.
 */
import type { ActionRecord, GuestBrowser } from './browser.js';
import { judgeGuest, type GuestEvidence, type GuestVerdict } from './check.js';
import { sleep } from './emulator.js';
import type { EmulatorProcess } from './procs.js';
import { exportedWindows, inParallel, libraryOf } from './scene.js';
import type { HostTruth } from './truth.js';

/** The verdicts, and whether Lasso finished before the deadline. */
export interface Judged {
  verdicts: GuestVerdict[];
  /** What each verdict was taken on, for a failed run's `evidence.json`. */
  evidence: GuestEvidence[];
  /** True when nothing was left pending and nothing required was missing before the deadline. */
  complete: boolean;
  /** When the verdicts were taken (epoch ms). */
  judgedAt: number;
}

/** How long to keep watching after all looks done, for a late second copy. */
const SETTLE_MS = 5000;

/** Judges every guest now; `pending`: scrobbles Lasso still has to send, summed. */
async function judgeAll(
  o: DrainOptions,
): Promise<Omit<Judged, 'complete' | 'judgedAt'> & { pending: number }> {
  let pending = 0;
  const evidence = await inParallel(o.guests, 8, async (guest, i): Promise<GuestEvidence> => {
    const exported = await exportedWindows(guest);
    if (exported === null) pending += 1;
    pending += exported?.pending ?? 0;
    const { library, submissions } = await libraryOf(o.emu, guest.name);
    const windows = exported?.windows ?? [];
    return { guest: guest.name, windows, actions: o.actions[i] ?? [], library, submissions };
  });
  const verdicts = evidence.map((e) => judgeGuest(o.truthOf(e.guest), e));
  return { verdicts, evidence, pending };
}

/** What the drain needs. */
export interface DrainOptions {
  emu: EmulatorProcess;
  /** The truth of the host `guest` follows. */
  truthOf: (guest: string) => HostTruth;
  guests: readonly GuestBrowser[];
  /** Each guest's requests, in `guests` order. */
  actions: readonly ActionRecord[][];
  /** Epoch ms after which the run is judged as it stands. */
  deadline: number;
}

/** Waits for Lasso to finish (or the deadline), then judges every guest. */
export async function drain(o: DrainOptions): Promise<Judged> {
  for (;;) {
    const { verdicts, evidence, pending } = await judgeAll(o);
    const done = pending === 0 && verdicts.every((v) => v.missing.length === 0);
    if (done || Date.now() > o.deadline) {
      if (!done) return { verdicts, evidence, complete: false, judgedAt: Date.now() };
      await sleep(SETTLE_MS);
      const last = await judgeAll(o);
      return {
        verdicts: last.verdicts,
        evidence: last.evidence,
        complete: true,
        judgedAt: Date.now(),
      };
    }
    await sleep(2000);
  }
}

/** The host `truth` of a single-host run, for `DrainOptions.truthOf`. */
export function oneHost(truth: HostTruth): (guest: string) => HostTruth {
  return () => truth;
}
