/**
 * One user's scrobble library, kept sorted by timestamp so `from`/`to` queries are binary searches
 * and not scans (benchmarks poll thousands of hosts). Stored oldest first, because new scrobbles
 * are nearly always the newest and appending is cheap; read newest first.
 */
import type { ScrobbleRow } from './types.js';

/** A stored scrobble. */
export interface HistoryEntry extends ScrobbleRow {
  /** Where it came from, for debugging: "api", "control" or "listener". */
  source: string;
}

/** A page of a range, newest first. */
export interface HistoryPage {
  rows: HistoryEntry[];
  /** Rows in the whole range. */
  total: number;
}

/** Bounds of a range query, in UNIX seconds, with their inclusivity. */
export interface RangeQuery {
  from?: number;
  to?: number;
  fromInclusive: boolean;
  toInclusive: boolean;
}

function keyOf(artist: string, track: string, timestamp: number): string {
  return `${timestamp}\u0000${artist}\u0000${track}`;
}

/** A sorted, de-duplicated scrobble list. */
export class History {
  private readonly rows: HistoryEntry[] = [];
  private readonly keys = new Set<string>();

  get size(): number {
    return this.rows.length;
  }

  /**
   * Records a scrobble; false when the same (artist, track, timestamp) is already there: a
   * duplicate is never stored twice (the API still answers it as accepted).
   */
  add(entry: HistoryEntry): boolean {
    const key = keyOf(entry.artist, entry.track, entry.timestamp);
    if (this.keys.has(key)) return false;
    this.keys.add(key);
    const last = this.rows[this.rows.length - 1];
    if (!last || last.timestamp <= entry.timestamp) this.rows.push(entry);
    // Equal timestamps: the later arrival sorts after, so it reads as newer.
    else this.rows.splice(this.upperBound(entry.timestamp), 0, entry);
    return true;
  }

  /** True when this exact (artist, track, timestamp) is recorded. */
  has(artist: string, track: string, timestamp: number): boolean {
    return this.keys.has(keyOf(artist, track, timestamp));
  }

  /** Every row, newest first. */
  all(): HistoryEntry[] {
    return this.rows.slice().reverse();
  }

  /** One page (1-based) of `limit` rows of the range, newest first. */
  page(range: RangeQuery, page: number, limit: number): HistoryPage {
    const lo =
      range.from === undefined
        ? 0
        : range.fromInclusive
          ? this.lowerBound(range.from)
          : this.upperBound(range.from);
    const hi =
      range.to === undefined
        ? this.rows.length
        : range.toInclusive
          ? this.upperBound(range.to)
          : this.lowerBound(range.to);
    const total = Math.max(0, hi - lo);
    const end = hi - (page - 1) * limit; // exclusive, in ascending indices
    const start = Math.max(lo, end - limit);
    const rows = end <= lo ? [] : this.rows.slice(start, end).reverse();
    return { rows, total };
  }

  /** First index whose timestamp is >= t. */
  private lowerBound(t: number): number {
    let lo = 0;
    let hi = this.rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.rows[mid]!.timestamp < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** First index whose timestamp is > t. */
  private upperBound(t: number): number {
    let lo = 0;
    let hi = this.rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.rows[mid]!.timestamp <= t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
