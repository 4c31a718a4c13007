/**
 * docs/ops/lasso.service against the code it runs: the Dockerfile's entry point, the drain the
 * server does on SIGTERM, the one folder the embedded store writes; and, where systemd's own
 * checker is installed, `systemd-analyze verify` accepts it.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readDockerfile, stageNamed } from './dockerfile.js';

const UNIT_FILE = fileURLToPath(new URL('../../docs/ops/lasso.service', import.meta.url));
/** The server exits within this after SIGTERM (server/shutdown.ts). */
const DRAIN_S = 10;

/** Every `Key=value` of the unit, by key (a key may repeat). */
function unitEntries(text: string): Map<string, string[]> {
  const entries = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z]+)=(.*)$/.exec(line.trim());
    if (!m) continue;
    entries.set(m[1] as string, [...(entries.get(m[1] as string) ?? []), m[2] as string]);
  }
  return entries;
}

const unit = unitEntries(readFileSync(UNIT_FILE, 'utf8'));
const one = (key: string) => unit.get(key)?.at(-1);
/** `Environment=A=1 B=2` lines merged. */
const environment = Object.fromEntries(
  (unit.get('Environment') ?? []).flatMap((line) =>
    line.split(/\s+/).map((pair) => pair.split(/=(.*)/s).slice(0, 2) as [string, string]),
  ),
);

describe('docs/ops/lasso.service', () => {
  it("starts the Dockerfile's entry point in production, as its own user", () => {
    const cmd = stageNamed(readDockerfile(), 'runtime').cmd ?? [];
    const exec = (one('ExecStart') ?? '').split(/\s+/);
    expect(exec[0]).toMatch(/\/node$/);
    expect(exec[1]).toBe(`${one('WorkingDirectory')}/${cmd[1]}`);
    expect(environment.ENVIRONMENT).toBe('production');
    expect(one('User')).toBe('lasso');
    expect(one('EnvironmentFile')).toBeDefined();
  });

  it('stops with SIGTERM and waits longer than the drain takes', () => {
    expect(one('KillSignal')).toBe('SIGTERM');
    expect(Number(one('TimeoutStopSec'))).toBeGreaterThan(DRAIN_S);
  });

  it('writes only to DATA_DIR, and keeps write-then-execute memory for V8 and WebAssembly', () => {
    expect(one('ProtectSystem')).toBe('strict');
    expect(unit.get('ReadWritePaths')).toEqual([environment.DATA_DIR]);
    expect(environment.DATA_DIR).toBe(`/var/lib/${one('StateDirectory')}`);
    expect(environment.DATABASE_URL).toBeUndefined();
    expect(unit.has('MemoryDenyWriteExecute')).toBe(false);
  });

  const analyze = spawnSync('systemd-analyze', ['--version']).status === 0;
  if (!analyze) console.warn('systemd-analyze is not installed: lasso.service not verified by it');
  it.skipIf(!analyze)('passes systemd-analyze verify', () => {
    const verified = spawnSync('systemd-analyze', ['verify', UNIT_FILE], { encoding: 'utf8' });
    expect(verified.status, verified.stderr).toBe(0);
    // Unknown keys and misplaced ones are only warnings to systemd: none is accepted here.
    expect(verified.stderr).toBe('');
  });
});
