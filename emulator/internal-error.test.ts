/**
 * A failure inside a method handler (a bug of the emulator's) still gets a Last.fm-shaped answer
 * and a call-log entry. The failure is forced by making one of the answer's pieces throw.
 */
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import type * as Shapes from './api/shapes.js';
import { MSG } from './errors.js';
import type { Booted } from './test-support/kit.js';
import { boot, call, T0 } from './test-support/kit.js';

vi.mock('./api/shapes.js', async (importOriginal) => ({
  ...(await importOriginal<typeof Shapes>()),
  recentTrackRow: () => {
    throw new TypeError('a bug in a handler');
  },
}));

let b: Booted;
const lines: string[] = [];
beforeEach(async () => {
  lines.length = 0;
  b = await boot({ users: ['maya'], log: (line) => lines.push(line) });
  b.emu.addScrobble('maya', { artist: 'A', track: 'T', timestamp: T0 - 60 });
});
afterEach(() => b.emu.close());

it('answers error 8 with HTTP 500, logs the call and reports the failure', async () => {
  const r = await call(b.emu, { method: 'user.getRecentTracks', user: 'maya' });
  expect(r.status).toBe(500);
  expect(r.json).toEqual({ message: MSG.operationFailed, error: 8 });
  expect(b.emu.calls().log.at(-1)).toMatchObject({ method: 'user.getRecentTracks', status: 500 });
  expect(lines.join('\n')).toContain('user.getRecentTracks failed: TypeError: a bug in a handler');
});
