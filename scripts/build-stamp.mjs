/**
 * Content-hash stamps that let `npm run build` skip a step whose inputs have not changed since it
 * last succeeded. A stamp holds the SHA-256 of every input file (a missing file is recorded as
 * missing), including the files the step itself reported reading (Vite's module graph). Input
 * contents are read before the step runs, so a file edited while it runs is seen as changed next
 * time. Timestamps are never trusted: a checkout, a copy or an editor may keep or reset them.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { writeFileSync } from 'node:fs';
import path from 'node:path';

/** Folders never walked: installed packages, build output, data, tool caches. */
const NEVER = new Set(['node_modules', 'dist', 'data', '.git', 'coverage', 'test-results']);
const MISSING = 'missing';

/**
 * Every file under `dirs` (relative to `root`) that `keep(relativePath)` accepts, as sorted
 * relative paths with `/` separators. A folder that does not exist gives nothing.
 */
export function listFiles(root, dirs, keep = () => true) {
  const out = new Set();
  const walk = (rel) => {
    let entries;
    try {
      entries = readdirSync(path.join(root, rel), { withFileTypes: true });
    } catch (err) {
      if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return;
      throw err;
    }
    for (const entry of entries) {
      if (NEVER.has(entry.name)) continue;
      const child = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (entry.isDirectory()) walk(child);
      else if (entry.isFile() && keep(child)) out.add(child);
    }
  };
  for (const dir of dirs) walk(dir.replace(/\/$/, ''));
  return [...out].sort();
}

/** The SHA-256 of each of `files` (relative to `root`), or "missing". */
export function hashFiles(root, files) {
  const hashes = {};
  for (const file of [...new Set(files)].sort()) {
    try {
      hashes[file] = createHash('sha256')
        .update(readFileSync(path.join(root, file)))
        .digest('hex');
    } catch (err) {
      if (err.code !== 'ENOENT' && err.code !== 'EISDIR' && err.code !== 'ENOTDIR') throw err;
      hashes[file] = MISSING;
    }
  }
  return hashes;
}

/**
 * The stamp of step `name` under `root`/dist/.build. `inputs` are the files the step depends on
 * (relative to `root`); `outputs` must all exist for the step to count as done.
 */
export function stamp(root, name, { inputs, outputs }) {
  const file = path.join(root, 'dist', '.build', `${name}.json`);
  const read = () => {
    try {
      const last = JSON.parse(readFileSync(file, 'utf8'));
      return last && typeof last.files === 'object' && Array.isArray(last.inputs) ? last : null;
    } catch {
      return null;
    }
  };
  let before = null;
  return {
    file,
    /**
     * Why the step must run ("no stamp", "changed: web/src/app.tsx", …), or null when the last
     * success saw exactly these inputs with these contents and its outputs are all there.
     */
    staleReason() {
      const last = read();
      if (!last) return 'not built yet';
      const missing = outputs.find((o) => !existsSync(path.join(root, o)));
      if (missing) return `${missing} is missing`;
      const now = [...new Set(inputs)].sort();
      const added = now.find((f) => !last.inputs.includes(f));
      if (added) return `new input ${added}`;
      const gone = last.inputs.find((f) => !now.includes(f));
      if (gone) return `input ${gone} is gone`;
      const hashes = hashFiles(root, Object.keys(last.files));
      const changed = Object.keys(last.files).find((f) => hashes[f] !== last.files[f]);
      return changed ? `changed: ${changed}` : null;
    },
    /** Forgets the last success and reads the inputs: call it just before the step runs. */
    begin() {
      rmSync(file, { force: true });
      before = hashFiles(root, inputs);
    },
    /** Records a success: the inputs as `begin` read them, and the `extra` files the step read. */
    record(extra = []) {
      if (!before) throw new Error(`stamp ${name}: record() without begin()`);
      const extraFiles = extra.filter((f) => !(f in before));
      const files = { ...hashFiles(root, extraFiles), ...before };
      mkdirSync(path.dirname(file), { recursive: true });
      const partial = `${file}.${process.pid}`;
      const inputsSorted = [...new Set(inputs)].sort();
      writeFileSync(partial, `${JSON.stringify({ inputs: inputsSorted, files }, null, 1)}\n`);
      renameSync(partial, file);
    },
  };
}
