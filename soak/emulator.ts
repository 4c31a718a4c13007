/**
 * The stand-alone emulator's control API (`/_emulator/…`, see emulator/README.md), as the soak
 * uses it over HTTP: users, now playing, scrobbles as a host, faults, libraries, what each guest
 * was sent, and the call log, gathered by `seq` so nothing is lost past the 10,000 it keeps.
 */
import type {
  CallLogEntry,
  CallsReport,
  FaultSpec,
  ScrobbleRow,
  SubmissionRow,
} from '../emulator/types.js';

/** The emulator's own shapes, as its control API sends them. */
export type { CallLogEntry, ScrobbleRow, SubmissionRow };

/** A user as the control API lists it. */
export interface EmulatorUser {
  name: string;
  playcount: number;
}

/** Every fault the soak injects: Last.fm errors, gateway pages, timeouts, lost answers. */
export const SOAK_FAULT_CODES: FaultSpec['codes'] = [11, 16, 29, 500, 502, 503, 'timeout', 'drop'];

/** A client of one emulator's control API. */
export class EmulatorControl {
  private readonly log = new Map<number, CallLogEntry>();

  constructor(readonly url: string) {}

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.url}/_emulator${path}`, {
      method,
      ...(body === undefined
        ? {}
        : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`emulator ${method} ${path}: HTTP ${res.status} ${text}`);
    return (text === '' ? undefined : JSON.parse(text)) as T;
  }

  async createUser(name: string): Promise<void> {
    await this.call('POST', '/users', { name });
  }

  users(): Promise<EmulatorUser[]> {
    return this.call('GET', '/users');
  }

  async setNowPlaying(
    user: string,
    np: { artist: string; track: string; album: string; durationMs: number },
  ): Promise<void> {
    const { artist, track, album, durationMs } = np;
    const body = { artist, track, album, duration: Math.round(durationMs / 1000) };
    await this.call('POST', `/users/${encodeURIComponent(user)}/now-playing`, body);
  }

  async clearNowPlaying(user: string): Promise<void> {
    await this.call('DELETE', `/users/${encodeURIComponent(user)}/now-playing`);
  }

  /** Adds a scrobble to the user's library as their own player would. */
  async addScrobble(user: string, row: ScrobbleRow): Promise<void> {
    await this.call('POST', `/users/${encodeURIComponent(user)}/scrobbles`, row);
  }

  /** The whole library, newest first. */
  scrobbles(user: string): Promise<ScrobbleRow[]> {
    return this.call('GET', `/users/${encodeURIComponent(user)}/scrobbles`);
  }

  /** Every scrobble `track.scrobble` accepted for the user, repeats included, oldest first. */
  submissions(user: string): Promise<SubmissionRow[]> {
    return this.call('GET', `/users/${encodeURIComponent(user)}/submissions`);
  }

  async setFaults(spec: FaultSpec): Promise<void> {
    await this.call('POST', '/faults', spec);
  }

  async clearFaults(): Promise<void> {
    await this.call('DELETE', '/faults');
  }

  /** Fetches the log and keeps every entry by `seq` (a later copy completes `answered_at`). */
  async gatherCalls(): Promise<void> {
    const report = await this.call<CallsReport>('GET', '/calls');
    for (const entry of report.log) this.log.set(entry.seq, entry);
  }

  /** Every call gathered so far, in arrival order. */
  calls(): CallLogEntry[] {
    return [...this.log.values()].sort((a, b) => a.at - b.at || a.seq - b.seq);
  }

  /** Gathers the log every `everyMs` until `signal` aborts (the log keeps only the newest 10,000). */
  async gatherUntil(signal: AbortSignal, everyMs: number): Promise<void> {
    while (!signal.aborted) {
      await this.gatherCalls().catch(() => undefined);
      await sleep(everyMs, signal);
    }
  }
}

/** Waits `ms`, or less when `signal` aborts; never rejects. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, Math.max(0, ms));
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Waits until epoch ms `at` (or `signal` aborts). */
export function sleepUntil(at: number, signal?: AbortSignal): Promise<void> {
  return sleep(at - Date.now(), signal);
}
