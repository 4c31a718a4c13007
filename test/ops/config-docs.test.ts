/**
 * The configuration reference against the code: every variable `server/config.ts` reads is in
 * `.env.example` (with a comment) and has its section in `docs/configuration.md`, and neither
 * lists a variable the code does not read.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const read = (path: string) => readFileSync(fileURLToPath(new URL(path, import.meta.url)), 'utf8');

/**
 * The variables `loadConfig` reads: the single-quoted upper-case literals of `server/config.ts`,
 * which are all variable names (`r.read('PORT', …)`, `readLastfmUrl(r, 'LASTFM_API_URL', …)`,
 * `r.problem('PUBLIC_URL', …)`); messages that name a variable use template strings.
 */
function variablesRead(source: string): string[] {
  const names = [...source.matchAll(/'([A-Z][A-Z0-9_]{3,})'/g)].map((m) => m[1]);
  return [...new Set(names)].filter((n): n is string => n !== undefined).sort();
}

const configSource = read('../../server/config.ts');
const envExample = read('../../.env.example');
const reference = read('../../docs/configuration.md');

describe('the configuration reference', () => {
  const variables = variablesRead(configSource);

  it('finds the variables the code reads', () => {
    expect(variables).toContain('LASTFM_API_KEY');
    expect(variables).toContain('HOST');
    expect(variables).toContain('LASTFM_API_URL');
    expect(variables.length).toBeGreaterThanOrEqual(21);
  });

  it('.env.example sets every variable once, each under a comment, and no other', () => {
    const lines = envExample.split('\n');
    const assigned = lines
      .map((line, i) => ({ name: /^([A-Z][A-Z0-9_]*)=/.exec(line)?.[1], i }))
      .filter((a): a is { name: string; i: number } => a.name !== undefined);
    expect(assigned.map((a) => a.name).sort()).toEqual(variables);
    for (const { name, i } of assigned) {
      // The comment is right above, or above the block of assignments this one belongs to.
      let j = i - 1;
      while (j >= 0 && /^[A-Z][A-Z0-9_]*=/.test(lines[j] ?? '')) j -= 1;
      expect(lines[j], `${name} has no comment above it`).toMatch(/^# \S/);
    }
  });

  it('docs/configuration.md has a section and a table row for every variable, and no other', () => {
    const sections = [...reference.matchAll(/^### `([A-Z][A-Z0-9_]*)`$/gm)].map((m) => m[1]);
    expect([...sections].sort()).toEqual(variables);
    for (const name of variables) expect(reference).toContain(`| [\`${name}\`](#`);
  });
});
