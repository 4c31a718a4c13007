/**
 * A migrated, empty PGlite data folder made once at build time (`npm run build` writes
 * `dist/store/pglite-snapshot.tar` and its manifest), so a fresh embedded store (an empty
 * `DATA_DIR`, or `memory://` in demo mode) starts by unpacking it instead of running `initdb` and
 * every migration: seconds of WebAssembly work at each demo start and first run.
 *
 * The snapshot is used only when its manifest matches what runs: the same PGlite version (its
 * data-folder format) and migrations that are a prefix of this code's, file by file (name and
 * content hash). Migrations added after it was made are applied on top by `migrate` as usual;
 * anything else (no snapshot, another PGlite, an edited migration) falls back to `initdb`.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PGliteOptions } from '@electric-sql/pglite';
import type { StoreLogger } from './driver.js';
import type { PgliteSource } from './pglite-driver.js';
import { loadMigrations, type Migration } from './migration-files.js';
import type { Database } from './schema.js';

/** The tarball's and the manifest's file names, in the snapshot folder. */
export const SNAPSHOT_FILE = 'pglite-snapshot.tar';
export const MANIFEST_FILE = 'pglite-snapshot.json';

/** What a snapshot holds: the PGlite version that wrote it and its migrations, in order. */
export interface SnapshotManifest {
  pglite: string;
  migrations: Array<{ name: string; sha256: string }>;
}

/** Options of `pgliteOptions`. */
export interface SnapshotOptions {
  /** The folder holding the snapshot; default this module's folder (`dist/store/` when built). */
  dir?: string;
  /** The migrations this code applies; default `loadMigrations()`. */
  migrations?: Migration[];
  logger?: StoreLogger;
}

/** The folder the build writes the snapshot to and the server reads it from. */
export function defaultSnapshotDir(): string {
  return path.dirname(fileURLToPath(import.meta.url));
}

/** The installed PGlite's version (the package does not export its package.json). */
export async function installedPgliteVersion(): Promise<string> {
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  const manifest = await readFile(path.join(path.dirname(entry), '..', 'package.json'), 'utf8');
  return (JSON.parse(manifest) as { version: string }).version;
}

/** The manifest of a snapshot of `migrations` made by PGlite `pglite`. */
export function manifestOf(pglite: string, migrations: Migration[]): SnapshotManifest {
  return {
    pglite,
    migrations: migrations.map((m) => ({
      name: m.name,
      sha256: createHash('sha256').update(m.sql).digest('hex'),
    })),
  };
}

/** Why `manifest` cannot start a database for this code, or null when it can. */
export function snapshotMismatch(
  manifest: SnapshotManifest,
  pglite: string,
  migrations: Migration[],
): string | null {
  if (manifest.pglite !== pglite) return `made by PGlite ${manifest.pglite}, not ${pglite}`;
  const current = manifestOf(pglite, migrations).migrations;
  if (manifest.migrations.length > current.length) return 'holds migrations this code lacks';
  for (const [i, m] of manifest.migrations.entries()) {
    const c = current[i];
    if (c?.name !== m.name || c.sha256 !== m.sha256) return `migration ${m.name} differs`;
  }
  return null;
}

/**
 * The snapshot in `dir` if it may start a database for this code, else null (logged when one
 * exists but does not fit).
 */
export async function loadSnapshot(options: SnapshotOptions = {}): Promise<Blob | null> {
  const dir = options.dir ?? defaultSnapshotDir();
  let manifest: SnapshotManifest;
  try {
    manifest = JSON.parse(
      await readFile(path.join(dir, MANIFEST_FILE), 'utf8'),
    ) as SnapshotManifest;
  } catch {
    return null;
  }
  const migrations = options.migrations ?? (await loadMigrations());
  const mismatch = snapshotMismatch(manifest, await installedPgliteVersion(), migrations);
  if (mismatch) {
    options.logger?.warn({ dir, mismatch }, 'PGlite snapshot not used: running initdb');
    return null;
  }
  return new BufferBlob(await readFile(path.join(dir, SNAPSHOT_FILE)), 'application/x-tar');
}

/**
 * A Blob over bytes already read, handing them back as they are, once. Node 20's
 * `new Blob([buffer])` copies the 41 MB snapshot and its `arrayBuffer()` reads it back in chunks
 * and joins them: about a second of CPU at every fresh start on the 2-core machine, where the read
 * itself is a third of that. PGlite reads a `loadDataDir` through `arrayBuffer()` (once) and
 * `type` only; the bytes are let go when handed over, so they never outlive the unpacking even
 * if PGlite keeps its options.
 */
class BufferBlob extends Blob {
  private content: Uint8Array | null;

  constructor(content: Uint8Array, type: string) {
    super([], { type });
    this.content = content;
    // Blob declares `size` a property; its getter would say 0.
    Object.defineProperty(this, 'size', { value: content.byteLength });
  }

  override arrayBuffer(): Promise<ArrayBuffer> {
    const content = this.content;
    if (!content) return Promise.reject(new Error('the PGlite snapshot was read already'));
    this.content = null;
    const { buffer, byteOffset, byteLength } = content;
    const whole = byteOffset === 0 && byteLength === buffer.byteLength;
    return Promise.resolve(
      (whole ? buffer : buffer.slice(byteOffset, byteOffset + byteLength)) as ArrayBuffer,
    );
  }
}

/**
 * The options for `PGlite.create` for `source`: a fresh folder or `memory://` starts from the
 * snapshot when one fits; an existing data folder (it has `PG_VERSION`) opens as it is (PGlite
 * refuses a tarball over an existing database).
 */
export async function pgliteOptions(
  source: PgliteSource,
  options: SnapshotOptions = {},
): Promise<PGliteOptions> {
  if ('loadDataDir' in source) return { loadDataDir: source.loadDataDir };
  const { dataDir } = source;
  const inMemory = dataDir.startsWith('memory://');
  if (!inMemory && existsSync(path.join(dataDir, 'PG_VERSION'))) return { dataDir };
  const snapshot = await loadSnapshot(options);
  return snapshot ? { dataDir, loadDataDir: snapshot } : { dataDir };
}

/**
 * `initdb`'s options for the snapshot: WAL segments of 1 MB instead of 16. A segment is a file of
 * its full size from the start, so the default's one segment was 16 of the snapshot's 41 MB: all
 * read, unpacked and (demo mode) held in memory at every fresh start. PostgreSQL scales the WAL
 * limits with it (`min_wal_size` 5 MB, `max_wal_size` 64 MB, from 80 MB and 1 GB): PGlite runs no
 * checkpointer, so a checkpoint comes when the WAL reaches that limit or at a clean close, and the
 * smaller one also bounds what a restart after a crash must replay.
 */
const SNAPSHOT_INITDB = ['--wal-segsize=1'];

/**
 * `template0` and `template1` exist for `CREATE DATABASE`, which Lasso never runs: Lasso's one
 * database is `postgres`. Each is 7.4 MB of the snapshot. PostgreSQL refuses to drop a template,
 * hence the update first. One statement per call: a call of several is one transaction, and
 * `DROP DATABASE` runs outside any.
 */
const DROP_TEMPLATES = [
  "UPDATE pg_database SET datistemplate = false WHERE datname IN ('template0', 'template1')",
  'DROP DATABASE template0',
  'DROP DATABASE template1',
];

/**
 * Makes the snapshot in `dir`: an in-memory PGlite after `initdb` and `migrations`, dumped
 * uncompressed (a start then spends no time inflating it), and its manifest. Both are written
 * then renamed, so a reader never sees half of one; the manifest last.
 */
export async function writeSnapshot(
  dir: string,
  migrations?: Migration[],
): Promise<SnapshotManifest> {
  // Imported here: a server reading the snapshot needs none of these.
  const [{ PGlite }, { createPgConfig }, { Kysely, PostgresDialect }, { default: pg }, store] =
    await Promise.all([
      import('@electric-sql/pglite'),
      import('@electric-sql/pglite/node-postgres'),
      import('kysely'),
      import('pg'),
      import('./migrate.js'),
    ]);
  const all = migrations ?? (await store.loadMigrations());
  const pglite = await PGlite.create({ dataDir: 'memory://', initDbStartParams: SNAPSHOT_INITDB });
  let dump: Blob;
  try {
    const pool = new pg.Pool({ ...createPgConfig(pglite), max: 1, idleTimeoutMillis: 0 });
    const kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    await store.migrate(kysely, { migrations: all });
    await pool.end();
    for (const statement of DROP_TEMPLATES) await pglite.exec(statement);
    // Written to the data files, so the dump needs no WAL replay when it starts.
    await pglite.exec('CHECKPOINT');
    const { rows } = await pglite.query<{ segment: string }>(
      'SELECT pg_walfile_name(pg_current_wal_lsn()) AS segment',
    );
    const current = rows[0]?.segment;
    if (!current) throw new Error('PGlite named no current WAL segment');
    dump = new Blob([
      withoutFutureWal(
        new Uint8Array(await (await pglite.dumpDataDir('none')).arrayBuffer()),
        current,
      ),
    ]);
  } finally {
    await pglite.close();
  }
  const manifest = manifestOf(await installedPgliteVersion(), all);
  // No moment where an old manifest describes the new tarball.
  await rm(path.join(dir, MANIFEST_FILE), { force: true });
  await writeAtomically(path.join(dir, SNAPSHOT_FILE), Buffer.from(await dump.arrayBuffer()));
  await writeAtomically(path.join(dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

/** A tar's blocks: a header, then the content padded to whole blocks. */
const BLOCK = 512;

/** The entries of an uncompressed (ustar) tar: each name, and where its header and content are. */
export function tarEntries(tar: Uint8Array): Array<{ name: string; start: number; end: number }> {
  const text = (bytes: Uint8Array): string => {
    const nul = bytes.indexOf(0);
    return new TextDecoder().decode(nul === -1 ? bytes : bytes.subarray(0, nul));
  };
  const entries: Array<{ name: string; start: number; end: number }> = [];
  let at = 0;
  while (at + BLOCK <= tar.length) {
    const header = tar.subarray(at, at + BLOCK);
    if (header.every((b) => b === 0)) break;
    const prefix =
      text(header.subarray(257, 262)) === 'ustar' ? text(header.subarray(345, 500)) : '';
    const name = prefix
      ? `${prefix}/${text(header.subarray(0, 100))}`
      : text(header.subarray(0, 100));
    const size = Number.parseInt(text(header.subarray(124, 136)).trim() || '0', 8);
    const end = at + BLOCK + Math.ceil(size / BLOCK) * BLOCK;
    entries.push({ name, start: at, end });
    at = end;
  }
  return entries;
}

const WAL_SEGMENT = /(?:^|\/)pg_wal\/([0-9A-F]{24})$/;

/**
 * `tar` without the WAL segments after `current`. PostgreSQL keeps `min_wal_size` (5 MB) of
 * segments made ahead for later writes; they hold nothing yet, and were 6 of the snapshot's 15 MB,
 * read and unpacked at every fresh start and (demo mode) held in memory. PostgreSQL makes a
 * segment again when it needs one that is missing.
 */
export function withoutFutureWal(tar: Uint8Array, current: string): Uint8Array {
  const kept = tarEntries(tar).filter(({ name }) => {
    const segment = WAL_SEGMENT.exec(name)?.[1];
    return segment === undefined || segment <= current;
  });
  const out = new Uint8Array(kept.reduce((n, e) => n + e.end - e.start, 0) + 2 * BLOCK);
  let at = 0;
  for (const { start, end } of kept) {
    out.set(tar.subarray(start, end), at);
    at += end - start;
  }
  return out;
}

async function writeAtomically(file: string, data: Buffer | string): Promise<void> {
  const partial = `${file}.${process.pid}.partial`;
  await writeFile(partial, data);
  await rename(partial, file);
}
