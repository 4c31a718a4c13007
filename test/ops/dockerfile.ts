/**
 * A small reader of the repository's `Dockerfile`, enough for the tests to do what its stages do
 * without Docker: stages by name, and in each its COPY, RUN, ENV, USER, WORKDIR, CMD and
 * HEALTHCHECK instructions. Only the forms the Dockerfile uses are understood; anything else
 * throws, so a new form fails the tests instead of being ignored.
 */
import { readFileSync } from 'node:fs';

/** One `COPY [--from=STAGE] [--chown=…] SRC… DEST`. */
export interface CopyInstruction {
  /** The stage copied from; undefined for the build context. */
  from: string | undefined;
  sources: string[];
  dest: string;
}

/** One `FROM image AS name` and what follows it, up to the next FROM. */
export interface Stage {
  name: string;
  image: string;
  workdir: string | undefined;
  copies: CopyInstruction[];
  /** Each RUN's shell command. */
  runs: string[];
  /** Every ENV pair, in order. */
  env: Record<string, string>;
  user: string | undefined;
  /** CMD in exec form. */
  cmd: string[] | undefined;
  /** HEALTHCHECK's options (`--interval` → `30s`) and its command in exec form. */
  healthcheck: { options: Record<string, string>; cmd: string[] } | undefined;
  exposes: string[];
}

/** The Dockerfile's logical lines: comments dropped, `\` continuations joined. */
function logicalLines(text: string): string[] {
  const lines: string[] = [];
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#') || (line === '' && current === '')) continue;
    if (line.endsWith('\\')) {
      current += `${line.slice(0, -1).trim()} `;
      continue;
    }
    current += line;
    if (current.trim() !== '') lines.push(current.trim());
    current = '';
  }
  if (current.trim() !== '') lines.push(current.trim());
  return lines;
}

/** `["a", "b"]` → ['a', 'b']; the exec form only (the shell form hides signals from node). */
function execForm(args: string, where: string): string[] {
  if (!args.startsWith('[')) throw new Error(`${where}: only the exec form ["…"] is understood`);
  const parsed: unknown = JSON.parse(args);
  if (!Array.isArray(parsed) || !parsed.every((a) => typeof a === 'string')) {
    throw new Error(`${where}: not a list of strings`);
  }
  return parsed;
}

/** Leading `--name=value` flags of an instruction's arguments, and what follows them. */
function flags(args: string): { flags: Record<string, string>; rest: string } {
  const found: Record<string, string> = {};
  let rest = args;
  for (let m = /^--([a-z-]+)=(\S+)\s+/.exec(rest); m; m = /^--([a-z-]+)=(\S+)\s+/.exec(rest)) {
    found[m[1] as string] = m[2] as string;
    rest = rest.slice(m[0].length);
  }
  return { flags: found, rest };
}

/** `A=1 B="two words"` → { A: '1', B: 'two words' }. */
function envPairs(args: string): Record<string, string> {
  const pairs: Record<string, string> = {};
  const pair = /([A-Za-z_][A-Za-z0-9_]*)=("(?:[^"\\]|\\.)*"|\S*)\s*/gy;
  let m: RegExpExecArray | null;
  while ((m = pair.exec(args)) !== null) {
    const value = m[2] as string;
    pairs[m[1] as string] = value.startsWith('"') ? (JSON.parse(value) as string) : value;
    if (pair.lastIndex >= args.length) break;
  }
  if (pair.lastIndex < args.length) throw new Error(`ENV: only KEY=value pairs: ${args}`);
  return pairs;
}

/** Parses a Dockerfile's text into its stages, in order. */
export function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  for (const line of logicalLines(text)) {
    const [keyword = '', ...restWords] = line.split(/\s+/);
    const args = line.slice(keyword.length).trim();
    const instruction = keyword.toUpperCase();
    if (instruction === 'FROM') {
      const m = /^(\S+)\s+AS\s+(\S+)$/i.exec(args);
      if (!m) throw new Error(`FROM needs "image AS name": ${line}`);
      stages.push({
        name: m[2] as string,
        image: m[1] as string,
        workdir: undefined,
        copies: [],
        runs: [],
        env: {},
        user: undefined,
        cmd: undefined,
        healthcheck: undefined,
        exposes: [],
      });
      continue;
    }
    const stage = stages.at(-1);
    if (!stage) throw new Error(`${instruction} before any FROM`);
    switch (instruction) {
      case 'WORKDIR':
        stage.workdir = args;
        break;
      case 'COPY': {
        const { flags: f, rest } = flags(args);
        const paths = rest.split(/\s+/);
        if (paths.length < 2) throw new Error(`COPY needs a source and a destination: ${line}`);
        stage.copies.push({ from: f.from, sources: paths.slice(0, -1), dest: paths.at(-1) ?? '' });
        break;
      }
      case 'RUN':
        stage.runs.push(args);
        break;
      case 'ENV':
        Object.assign(stage.env, envPairs(args));
        break;
      case 'USER':
        stage.user = args;
        break;
      case 'CMD':
        stage.cmd = execForm(args, 'CMD');
        break;
      case 'HEALTHCHECK': {
        const { flags: options, rest } = flags(args);
        if (!rest.startsWith('CMD ')) throw new Error(`HEALTHCHECK needs CMD: ${line}`);
        stage.healthcheck = { options, cmd: execForm(rest.slice(4).trim(), 'HEALTHCHECK') };
        break;
      }
      case 'EXPOSE':
        stage.exposes.push(...restWords);
        break;
      case 'STOPSIGNAL':
        if (args !== 'SIGTERM') throw new Error(`the server drains on SIGTERM, not ${args}`);
        break;
      default:
        throw new Error(`instruction not understood by test/ops/dockerfile.ts: ${line}`);
    }
  }
  return stages;
}

/** The repository's Dockerfile, parsed. */
export function readDockerfile(): Stage[] {
  return parseDockerfile(readFileSync(new URL('../../Dockerfile', import.meta.url), 'utf8'));
}

/** The stage of that name; throws when there is none. */
export function stageNamed(stages: Stage[], name: string): Stage {
  const stage = stages.find((s) => s.name === name);
  if (!stage) throw new Error(`the Dockerfile has no stage "${name}"`);
  return stage;
}
