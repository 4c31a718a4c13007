/**
 * The stall after a kill: from the restart (one instance) or the kill (several) until mirroring
 * resumes — the next scrobble Last.fm accepted for a guest that had one waiting. When nothing
 * was waiting at that moment, the clock starts when something first was (the host may have been
 * between tracks), so the figure is the time work waited on Lasso, not on the music. Pure.
 */

/** One copy a guest should get: when it could first go, when Last.fm accepted it (or never). */
export interface Copy {
  availableAt: number;
  mirroredAt: number | null;
  /** `artist – track`, for the report of the slowest. */
  track?: string;
  timestamp?: number;
}

/** A guest's copies and every moment Last.fm accepted something for it. */
export interface GuestFlow {
  guest: string;
  copies: readonly Copy[];
  /** Epoch ms of each accepted submission, any order. */
  acceptedAt: readonly number[];
}

/** The stall after one kill. */
export interface Stall {
  /** The restart (or kill) it is measured from. */
  from: number;
  /** When something was first waiting, at or after `from`. */
  waitingFrom: number;
  /** When the next scrobble of a waiting guest was accepted; null: not by the end of the run. */
  resumedAt: number | null;
  /** resumedAt − waitingFrom, or null. */
  stallMs: number | null;
  /**
   * Until every guest waiting at `waitingFrom` had its next scrobble accepted, from then (null:
   * one never did). A kill that caught one guest's batch in flight holds that guest up longer.
   */
  allStallMs: number | null;
}

const waitingAt = (c: Copy, t: number): boolean =>
  c.availableAt <= t && (c.mirroredAt === null || c.mirroredAt > t);

/** The stall measured from `from` over `flows`; null when nothing was waiting from then on. */
export function stallAfter(from: number, flows: readonly GuestFlow[]): Stall | null {
  const later = flows
    .flatMap((f) => f.copies)
    .filter((c) => c.availableAt > from && (c.mirroredAt === null || c.mirroredAt > c.availableAt))
    .map((c) => c.availableAt);
  const anyNow = flows.some((f) => f.copies.some((c) => waitingAt(c, from)));
  const waitingFrom = anyNow ? from : later.length > 0 ? Math.min(...later) : null;
  if (waitingFrom === null) return null;
  const waiting = flows.filter((f) => f.copies.some((c) => waitingAt(c, waitingFrom)));
  const nextOf = waiting.map((f) => {
    const after = f.acceptedAt.filter((t) => t > waitingFrom);
    return after.length > 0 ? Math.min(...after) : null;
  });
  const next = nextOf.flatMap((t) => (t === null ? [] : [t]));
  const resumedAt = next.length > 0 ? Math.min(...next) : null;
  const allAt = nextOf.includes(null) ? null : Math.max(...next);
  return {
    from,
    waitingFrom,
    resumedAt,
    stallMs: resumedAt === null ? null : resumedAt - waitingFrom,
    allStallMs: allAt === null ? null : allAt - waitingFrom,
  };
}

/** The median and the largest of some figures (null when there are none). */
export function summary(values: readonly number[]): { median: number; max: number } | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median =
    sorted.length % 2 === 1 ? sorted[mid]! : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
  return { median, max: sorted[sorted.length - 1]! };
}

/** The `q` quantile (0..1) of some figures, nearest rank; null when there are none. */
export function quantile(values: readonly number[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** How long copies waited from when they could go until Last.fm accepted them: p50, p95, max. */
export function delays(flows: readonly GuestFlow[]): {
  p50Ms: number | null;
  p95Ms: number | null;
  maxMs: number | null;
} {
  const waited = flows.flatMap((f) =>
    f.copies.flatMap((c) => (c.mirroredAt === null ? [] : [c.mirroredAt - c.availableAt])),
  );
  return {
    p50Ms: quantile(waited, 0.5),
    p95Ms: quantile(waited, 0.95),
    maxMs: quantile(waited, 1),
  };
}

/** The `n` copies that waited longest to be accepted (never accepted ones are missing instead). */
export function slowest(
  flows: readonly GuestFlow[],
  n: number,
): { guest: string; track: string; timestamp: number; waitedMs: number }[] {
  return flows
    .flatMap((f) =>
      f.copies.flatMap((c) =>
        c.mirroredAt === null
          ? []
          : [
              {
                guest: f.guest,
                track: c.track ?? '',
                timestamp: c.timestamp ?? 0,
                waitedMs: c.mirroredAt - c.availableAt,
              },
            ],
      ),
    )
    .sort((a, b) => b.waitedMs - a.waitedMs)
    .slice(0, n);
}
