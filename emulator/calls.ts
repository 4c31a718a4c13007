/** The record of `/2.0/` calls behind `GET /_emulator/calls`: totals, per-method counts, recent log. */
import type { CallLogEntry, CallsReport } from './types.js';

/** How many log entries are kept (the newest). */
export const CALL_LOG_CAP = 10_000;

/** Counts and logs calls. */
export class CallLog {
  private total = 0;
  private seq = 0;
  private byMethod = new Map<string, number>();
  private log: CallLogEntry[] = [];

  /** Logs `entry`, numbering it (`seq`). It may still be completed (`answered_at`) afterwards. */
  record(entry: CallLogEntry): void {
    this.seq += 1;
    entry.seq = this.seq;
    this.total += 1;
    this.byMethod.set(entry.method, (this.byMethod.get(entry.method) ?? 0) + 1);
    this.log.push(entry);
    // Trim in chunks so recording stays O(1) amortised.
    if (this.log.length > CALL_LOG_CAP + 1000) this.log = this.log.slice(-CALL_LOG_CAP);
  }

  report(): CallsReport {
    return {
      total: this.total,
      by_method: Object.fromEntries(this.byMethod),
      log: this.log.slice(-CALL_LOG_CAP).map((e) => ({ ...e })),
    };
  }

  reset(): void {
    this.total = 0;
    this.byMethod = new Map();
    this.log = [];
  }
}
