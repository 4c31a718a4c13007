/** Types of `build-stamp.mjs` (a plain Node script: `npm run build` runs before any compiler). */

/** Every file under `dirs` that `keep` accepts, as sorted paths relative to `root`. */
export function listFiles(root: string, dirs: string[], keep?: (file: string) => boolean): string[];

/** The SHA-256 of each file (relative to `root`), or "missing". */
export function hashFiles(root: string, files: string[]): Record<string, string>;

/** A build step's stamp under `root`/dist/.build. */
export interface Stamp {
  readonly file: string;
  /** Why the step must run, or null when its inputs are unchanged and its outputs present. */
  staleReason(): string | null;
  /** Forgets the last success and reads the inputs: call it just before the step runs. */
  begin(): void;
  /** Records a success over the inputs `begin` read and the `extra` files the step read. */
  record(extra?: string[]): void;
}

/** The stamp of step `name`. */
export function stamp(
  root: string,
  name: string,
  files: { inputs: string[]; outputs: string[] },
): Stamp;
