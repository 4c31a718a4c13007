/**
 * The simulation rig shared by the model test and the benches: an in-process emulator, Lasso
 * clients and a ManualClock, a timeline of host listening, guest actions and fault periods, and
 * the driver that runs a policy through it all. Records what the oracle needs: every host
 * scrobble and when it appeared, every action and when it was asked for and answered.
 */
import { RUN_MAX_SLEEP_MS } from '../engine/engine.js';
import { startEmulator, type EmulatorHandle } from '../emulator/server.js';
import type { EmulatorOptions, FaultSpec } from '../emulator/types.js';
import { SimDriver, type DriverOptions } from './driver.js';
import { applyHostChange } from './host-change.js';
import { hostChanges, type HostChange, type HostScrobble, type Play } from './listening.js';
import { scrobbleKey, type HostTruth } from './oracle.js';
import {
  performAction,
  type ActionRecord,
  type FollowPolicy,
  type GuestAction,
  type SimGuest,
} from './policy.js';
import { countingClock, Progress, SimClock } from './progress.js';
import { Timeline } from './timeline.js';
import { SIM_API_KEY, SIM_API_SECRET, ScrobbleLedger, SimWire } from './wire.js';

/**
 * How the engine's own `run` loop paces `runDue` (engine/engine.ts: it naps at least 50 ms and
 * at most `RUN_MAX_SLEEP_MS`), for benches that want the production rhythm and its cost.
 */
export const ENGINE_LOOP_PACING = { minGapMs: 50, capMs: RUN_MAX_SLEEP_MS } as const;

/** 2026-01-05 18:00:00 UTC: where simulations start unless told otherwise. */
export const SIM_T0 = Date.UTC(2026, 0, 5, 18, 0, 0);

/** Options of `SimRig.start`. */
export interface RigOptions extends DriverOptions {
  startMs?: number;
  seed?: number;
  /** Passed to the emulator (quirks, daily cap…); clock, app and rate limit are the rig's. */
  emulator?: Omit<EmulatorOptions, 'clock' | 'apps' | 'port'>;
  /** Watch scrobble requests (acceptance times, duplicate submissions). Default true. */
  ledger?: boolean;
}

/** Ranks of timeline events within one instant (host changes use 0..2). */
const RANK_FAULTS = 5;
const RANK_ACTION = 10;

/** One emulator, clock, wire and timeline; a policy is set before running. */
export class SimRig {
  readonly hostScrobbles = new Map<string, HostScrobble[]>();
  /** host → every play scheduled, in order: the truth the oracle's leads come from. */
  readonly hostPlays = new Map<string, Play[]>();
  /** host → scrobbleKey → when it appeared at Last.fm (ms). */
  readonly appearedAt = new Map<string, Map<string, number>>();
  readonly actions: ActionRecord[] = [];
  readonly guests = new Map<string, SimGuest>();
  private policy: FollowPolicy | null = null;
  private constructor(
    readonly clock: SimClock,
    readonly progress: Progress,
    readonly emu: EmulatorHandle,
    readonly wire: SimWire,
    readonly timeline: Timeline,
    readonly driver: SimDriver,
    readonly seed: number,
  ) {}

  /** Starts the emulator and builds the rig around it. */
  static async start(opts: RigOptions = {}): Promise<SimRig> {
    const progress = new Progress();
    const clock = new SimClock(opts.startMs ?? SIM_T0, progress);
    let emu: EmulatorHandle | null = null;
    const ledger =
      opts.ledger === false
        ? null
        : new ScrobbleLedger((u) => (emu ? emu.scrobbles(u) : []), clock);
    const wire = new SimWire(progress, ledger);
    emu = await startEmulator({
      rateLimit: false,
      seed: opts.seed ?? 1,
      // A held answer gives up after 20 simulated seconds (a client timeout, on the clock).
      faultTimeoutMs: 20_000,
      ...opts.emulator,
      clock: countingClock(clock, wire.emulatorSleepers, progress),
      apps: [{ api_key: SIM_API_KEY, secret: SIM_API_SECRET, name: 'Lasso simulation' }],
      port: 0,
    });
    const timeline = new Timeline();
    const idle = { runDue: async () => null };
    const driver = new SimDriver(clock, timeline, wire, progress, idle, opts);
    return new SimRig(clock, progress, emu, wire, timeline, driver, opts.seed ?? 1);
  }

  /** The policy under test; actions and the loop go to it. */
  usePolicy(policy: FollowPolicy): void {
    this.policy = policy;
    this.driver.replacePolicy(policy, this.clock.now());
  }

  /** Creates a Last.fm user for a host. */
  addHost(name: string): void {
    this.emu.createUser(name);
    this.hostScrobbles.set(name, []);
    this.appearedAt.set(name, new Map());
  }

  /**
   * Creates a Last.fm user for a guest, signs it in through the client (a real session key) and
   * registers it with `register` (e.g. an `accounts` row), which returns its id.
   */
  async addGuest(
    name: string,
    register: (name: string, key: string) => Promise<number>,
  ): Promise<SimGuest> {
    this.emu.createUser(name);
    const client = this.wire.client({ apiUrl: this.emu.apiUrl, clock: this.clock, seed: 1 });
    const session = await client.getSession(this.emu.approve(SIM_API_KEY, name));
    const guest = { id: await register(name, session.key), name, sessionKey: session.key };
    this.wire.ledger?.addSession(session.key, name);
    this.guests.set(name, guest);
    return guest;
  }

  /** Host scrobbles already at Last.fm when the run starts (history a catch-up can reach). */
  preload(host: string, scrobbles: HostScrobble[]): void {
    for (const s of scrobbles) this.recordScrobble(host, s, Number.NEGATIVE_INFINITY);
    this.emu.addScrobble(host, scrobbles);
  }

  /** Schedules a host's listening. */
  play(host: string, plays: readonly Play[]): void {
    const all = [...(this.hostPlays.get(host) ?? []), ...plays].sort(
      (a, b) => a.startMs - b.startMs,
    );
    this.hostPlays.set(host, all);
    for (const c of hostChanges(host, plays)) {
      this.timeline.add({
        at: c.at,
        rank: c.rank,
        kind: 'host',
        run: () => this.apply(c.host, c.change),
      });
    }
  }

  /** Schedules injected faults over [from, to). */
  faults(from: number, to: number, spec: FaultSpec): void {
    this.timeline.add({
      at: from,
      rank: RANK_FAULTS,
      kind: 'host',
      run: () => this.emu.setFaults(spec),
    });
    this.timeline.add({
      at: to,
      rank: RANK_FAULTS,
      kind: 'host',
      run: () => this.emu.clearFaults(),
    });
  }

  /** Schedules a guest action at `at`; its outcome lands in `actions`. */
  act(at: number, guest: SimGuest, action: GuestAction): void {
    this.timeline.add({
      at,
      rank: RANK_ACTION,
      kind: 'action',
      run: () => this.perform(guest, action),
    });
  }

  /** What the oracle knows of each host: its plays and when each scrobble appeared. */
  hostTruth(): Map<string, HostTruth> {
    const truth = new Map<string, HostTruth>();
    for (const [host, appearedAt] of this.appearedAt) {
      truth.set(host, { plays: this.hostPlays.get(host) ?? [], appearedAt });
    }
    return truth;
  }

  /** Runs the timeline and the policy until `end` (ms). */
  async runUntil(end: number): Promise<void> {
    await this.driver.runUntil(end);
  }

  /** Stops the emulator. */
  async close(): Promise<void> {
    await this.emu.close();
  }

  private async perform(guest: SimGuest, action: GuestAction): Promise<void> {
    const policy = this.policy;
    if (!policy) throw new Error('no policy: call usePolicy first');
    const launchedAt = this.clock.now();
    let error: string | null = null;
    try {
      await performAction(policy, guest, action);
    } catch (err) {
      error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    }
    this.actions.push({
      guest: guest.name,
      action,
      launchedAt,
      settledAt: this.clock.now(),
      ok: error === null,
      error,
    });
    this.driver.wake();
  }

  private apply(host: string, change: HostChange): void {
    if (change.kind === 'scrobble') this.recordScrobble(host, change.scrobble, this.clock.now());
    applyHostChange(this.emu, host, change);
  }

  private recordScrobble(host: string, s: HostScrobble, at: number): void {
    const list = this.hostScrobbles.get(host);
    const appeared = this.appearedAt.get(host);
    if (!list || !appeared) throw new Error(`unknown host ${host}: call addHost first`);
    const key = scrobbleKey(s);
    if (appeared.has(key)) return; // Last.fm keeps one of two identical scrobbles
    list.push(s);
    appeared.set(key, at);
  }
}
