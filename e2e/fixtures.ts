/**
 * What every browser test shares: the emulator's control API (users, plays, scrobbles, faults),
 * the sign-in through the emulator's consent page, and the checks every main screen must pass
 * (no console error, no horizontal scrolling, no serious or critical axe violation), with a
 * screenshot of it saved under e2e/screenshots/ to look at.
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, test as base } from '@playwright/test';
import type { Page, TestInfo } from '@playwright/test';
import { E2E } from './settings.js';

/** A fresh name per call, so tests never share users on the one server they run against. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
}

async function control(method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${E2E.emulatorUrl}/_emulator${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!res.ok) throw new Error(`emulator ${method} ${path}: ${res.status} ${await res.text()}`);
  return res.status === 204 ? null : res.json();
}

/** A track as the tests play it. */
export interface Track {
  artist: string;
  track: string;
  album?: string;
}

/** The emulated Last.fm, driven from the tests. */
export const lastfm = {
  createUser: (name: string, isPrivate = false) =>
    control('POST', '/users', { name, private: isPrivate }),
  setPrivate: (name: string, isPrivate: boolean) =>
    control('PATCH', `/users/${name}`, { private: isPrivate }),
  nowPlaying: (name: string, t: Track, duration = 180) =>
    control('POST', `/users/${name}/now-playing`, { ...t, duration }),
  stopPlaying: (name: string) => control('DELETE', `/users/${name}/now-playing`),
  /** Scrobbles `t` for `name` as of `timestamp` (UNIX seconds; default now). */
  scrobble: (name: string, t: Track, timestamp = Math.floor(Date.now() / 1000)) =>
    control('POST', `/users/${name}/scrobbles`, { ...t, timestamp }),
  library: (name: string) =>
    control('GET', `/users/${name}/scrobbles`) as Promise<Array<Track & { timestamp: number }>>,
  revoke: (name: string) => control('POST', `/users/${name}/revoke`, { api_key: E2E.apiKey }),
};

/** From a page showing "Sign in with Last.fm" (or `button`): through the consent page, back signed in. */
export async function signIn(
  page: Page,
  guest: string,
  button = 'Sign in with Last.fm',
): Promise<void> {
  await page.getByRole('button', { name: button }).click();
  await page.waitForURL(`${E2E.emulatorUrl}/api/auth/**`);
  await page.getByLabel('or another user name').fill(guest);
  await page.getByRole('button', { name: 'Allow access' }).click();
  await page.waitForURL(`${E2E.appUrl}/**`);
}

/**
 * A new host and a new guest, the guest signed in and following the host, the following
 * screen showing, and a second gone by (scrobble timestamps are whole seconds: a track the host
 * starts now is then surely inside the guest's window).
 */
export async function guestFollowing(page: Page): Promise<{ host: string; guest: string }> {
  const host = uniqueName('host');
  const guest = uniqueName('guest');
  await lastfm.createUser(host);
  await page.goto('/');
  await signIn(page, guest);
  await page.getByLabel('Host’s Last.fm username').fill(host);
  await page.getByRole('button', { name: 'Follow', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: host })).toBeVisible();
  await page.waitForTimeout(1_200);
  return { host, guest };
}

/**
 * Chromium logs every 4xx answer as "Failed to load resource"; the API answers some by design
 * (401 from /api/me when signed out, 404 for an unknown host). Those are the only console
 * errors allowed; anything else (a script error, a CSP refusal, a 5xx) fails the test.
 */
const EXPECTED_HTTP = /Failed to load resource: the server responded with a status of 4\d\d/;

export const test = base.extend<{ consoleErrors: string[] }>({
  consoleErrors: [
    async ({ page }, use) => {
      const errors: string[] = [];
      page.on('console', (msg) => {
        if (msg.type() === 'error' && !EXPECTED_HTTP.test(msg.text())) errors.push(msg.text());
      });
      page.on('pageerror', (err) => errors.push(`page error: ${err.message}`));
      await use(errors);
      expect(errors, 'console errors').toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };

/**
 * The checks of a main screen: nothing wider than the viewport, no serious or critical axe
 * violation; then a full-page screenshot `e2e/screenshots/<project>-<name>.png`.
 */
export async function checkScreen(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  const overflow = await page.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
  );
  expect(overflow, `${name}: horizontal scrolling`).toBeLessThanOrEqual(0);
  const axe = await new AxeBuilder({ page }).analyze();
  const bad = axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(
    bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`),
    `${name}: accessibility`,
  ).toEqual([]);
  await page.screenshot({
    path: `e2e/screenshots/${testInfo.project.name}-${name}.png`,
    fullPage: true,
  });
}
