/**
 * The GitHub workflows and Dependabot's config, parsed, so they cannot rot unseen: CI runs lint,
 * types, `npm test` and the browser tests on Debian's Chromium on the machine's Node and the
 * Dockerfile's, against PostgreSQL, and audits production dependencies; the deploy keeps one
 * instance with CPU always on, a timeout event streams live with, memory and concurrency that fit
 * the README's measured figures, every required secret from Secret Manager, Cloud SQL, and a
 * /readyz check after it.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { readDockerfile, stageNamed } from './dockerfile.js';

const read = (file: string) => readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8');

interface Step {
  name?: string;
  run?: string;
  uses?: string;
}
interface Job {
  'runs-on': string;
  container?: { image: string };
  services?: Record<string, { image: string }>;
  strategy?: { matrix: Record<string, string[]> };
  env?: Record<string, string>;
  steps: Step[];
}
interface Workflow {
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  jobs: Record<string, Job>;
}

const ci = parse(read('.github/workflows/ci.yml')) as Workflow;
const deploy = parse(read('.github/workflows/deploy.yml')) as Workflow;
const dependabot = parse(read('.github/dependabot.yml')) as {
  updates: { 'package-ecosystem': string; directory: string }[];
};
const pkg = JSON.parse(read('package.json')) as { engines: { node: string } };

const allSteps = (workflow: Workflow) => Object.values(workflow.jobs).flatMap((job) => job.steps);
const runs = (workflow: Workflow) => allSteps(workflow).flatMap((s) => (s.run ? [s.run] : []));

/** A shell script's words, `\` line continuations joined and double quotes removed. */
function words(script: string): string[] {
  const joined = script.replace(/\\\n/g, ' ');
  return [...joined.matchAll(/"((?:[^"\\]|\\.)*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? '');
}

/** The `--flag value` / `--flag=value` / `--switch` options of the command starting at `prefix`. */
function commandFlags(script: string, prefix: string[]): Map<string, string | true> {
  const all = words(script);
  const start = all.findIndex((_, i) => prefix.every((p, j) => all[i + j] === p));
  if (start < 0) throw new Error(`no "${prefix.join(' ')}" in the script`);
  const flags = new Map<string, string | true>();
  const rest = all.slice(start + prefix.length);
  for (let i = 0; i < rest.length; i++) {
    const word = rest[i] ?? '';
    if (word === '&&' || word === ';' || word === '|') break;
    if (!word.startsWith('--')) continue;
    const [name = '', inline] = word.split(/=(.*)/s);
    const next = rest[i + 1];
    if (inline !== undefined) flags.set(name, inline);
    else if (next !== undefined && !next.startsWith('--')) {
      flags.set(name, next);
      i++;
    } else flags.set(name, true);
  }
  return flags;
}

/** A Cloud Run memory size (`512Mi`, `1Gi`) in MiB. */
function mebibytes(size: string): number {
  const m = /^(\d+)(Mi|Gi)$/.exec(size);
  if (!m) throw new Error(`memory ${size}: want NMi or NGi`);
  return Number(m[1]) * (m[2] === 'Gi' ? 1024 : 1);
}

/** The PostgreSQL peak RSS figures (MB) the README's benchmarks report: engine and HTTP load. */
function readmePeakRss(): { engine: number; load: number } {
  const readme = read('README.md');
  const mb = (text: string | undefined) => Number((text ?? '').replace(/,/g, ''));
  const engine = /^\| PostgreSQL \|.*\| ([\d,]+) MB(?: \([^)]*\))? \|$/m.exec(readme)?.[1];
  const load = /^\| server cores \/ peak RSS \|.*\| [\d.]+ \/ ([\d,]+) MB[^|]*\|$/m.exec(
    readme,
  )?.[1];
  if (!engine || !load) throw new Error('README "Benchmarks": PostgreSQL peak RSS rows not found');
  return { engine: mb(engine), load: mb(load) };
}

describe('.github/workflows/ci.yml', () => {
  const test = ci.jobs.test;
  const dockerNode = /^node:(\d+)/.exec(stageNamed(readDockerfile(), 'runtime').image)?.[1];

  it("runs on the machine's Node (20) and on the Dockerfile's LTS, in Debian", () => {
    expect(test?.strategy?.matrix.node).toEqual(['20', dockerNode]);
    expect(test?.container?.image).toBe('node:${{ matrix.node }}-bookworm');
    // Both are lines package.json's engines accepts.
    for (const major of test?.strategy?.matrix.node ?? []) {
      expect(pkg.engines.node).toMatch(new RegExp(`(\\^|>=)${major}\\b`));
    }
  });

  it('has a PostgreSQL service the tests reach on loopback', () => {
    expect(test?.services?.postgres?.image).toMatch(/^postgres:\d+/);
    expect(test?.env?.TEST_DATABASE_URL).toMatch(/^postgres:\/\/[^@]+@127\.0\.0\.1:5432\//);
  });

  it("lints, type-checks and runs npm test with Debian's Chromium", () => {
    const scripts = runs(ci);
    expect(scripts).toContain('npm ci --no-audit --no-fund');
    expect(scripts).toContain('npm run lint');
    expect(scripts).toContain('npm run typecheck');
    expect(scripts).toContain('npm test');
    expect(scripts.join('\n')).toMatch(/apt-get install .*\bchromium\b/);
    expect(test?.env?.CHROMIUM_PATH).toBe('/usr/bin/chromium');
  });

  it('fails on high and critical advisories in production dependencies', () => {
    const audit = runs(ci).find((r) => r.startsWith('npm audit'));
    expect(audit).toBeDefined();
    const flags = commandFlags(audit ?? '', ['npm', 'audit']);
    expect(flags.get('--omit')).toBe('dev');
    expect(flags.get('--audit-level')).toBe('high');
  });
});

describe('.github/workflows/deploy.yml', () => {
  const script = runs(deploy).find((r) => r.includes('gcloud run deploy')) ?? '';
  const flags = commandFlags(script, ['gcloud', 'run', 'deploy']);

  it('builds and pushes the image it deploys', () => {
    const built = runs(deploy).join('\n');
    expect(built).toMatch(/docker build .*-t "\$IMAGE" \./);
    expect(built).toMatch(/docker push "\$IMAGE"/);
    expect(flags.get('--image')).toBe('$IMAGE');
  });

  it('keeps one instance with CPU always allocated, and event streams open an hour', () => {
    expect(Number(flags.get('--min-instances'))).toBeGreaterThanOrEqual(1);
    expect(flags.get('--no-cpu-throttling')).toBe(true);
    expect(flags.has('--cpu-throttling')).toBe(false);
    expect(Number(flags.get('--timeout'))).toBeGreaterThanOrEqual(3600);
  });

  it("sizes memory and concurrency by the README's PostgreSQL figures", () => {
    const { engine, load } = readmePeakRss();
    // Both peaks at once (they share the idle baseline, so this over-counts: a margin).
    expect(mebibytes(String(flags.get('--memory')))).toBeGreaterThanOrEqual(engine + load);
    // No more requests per instance than the 1,000 streams the load benchmark held.
    const concurrency = Number(flags.get('--concurrency'));
    expect(concurrency).toBeGreaterThan(0);
    expect(concurrency).toBeLessThanOrEqual(1000);
  });

  it('takes every production secret from Secret Manager and reaches Cloud SQL', () => {
    const secrets = String(flags.get('--set-secrets')).split(',');
    const names = secrets.map((s) => s.split('=')[0]);
    for (const required of ['LASTFM_API_KEY', 'LASTFM_API_SECRET', 'SESSION_SECRET']) {
      expect(names).toContain(required);
    }
    expect(names).toContain('DATABASE_URL');
    for (const secret of secrets) expect(secret).toMatch(/^[A-Z_]+=[a-z0-9-]+:(latest|\d+)$/);
    expect(flags.get('--add-cloudsql-instances')).toBeTruthy();
    const env = String(flags.get('--set-env-vars'));
    expect(env).toContain('ENVIRONMENT=production');
    expect(env).toMatch(/PUBLIC_URL=/);
    // No secret in plain environment variables.
    expect(env).not.toMatch(/SECRET|API_KEY|DATABASE_URL|TOKEN/);
  });

  it('checks /readyz after the deploy', () => {
    const steps = allSteps(deploy);
    const deployed = steps.findIndex((s) => s.run?.includes('gcloud run deploy'));
    const smoke = steps.findIndex((s) => /curl --fail\b.*\/readyz/.test(s.run ?? ''));
    expect(deployed).toBeGreaterThanOrEqual(0);
    expect(smoke).toBeGreaterThan(deployed);
  });

  it('authenticates without a key file (OIDC)', () => {
    expect(deploy.permissions?.['id-token']).toBe('write');
    expect(JSON.stringify(deploy)).not.toMatch(/credentials_json/);
  });
});

describe('.github/dependabot.yml', () => {
  it('updates npm packages and the Docker base image', () => {
    const ecosystems = dependabot.updates.map((u) => u['package-ecosystem']);
    expect(ecosystems).toEqual(expect.arrayContaining(['npm', 'docker']));
  });
});
