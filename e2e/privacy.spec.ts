/** The privacy page, the data download and Disconnect. */
import { readFile } from 'node:fs/promises';
import { checkScreen, expect, guestFollowing, lastfm, test } from './fixtures.js';

test('download my data, then disconnect: Lasso forgets the guest', async ({ page }, testInfo) => {
  const { host, guest } = await guestFollowing(page);
  await lastfm.scrobble(host, {
    artist: 'Caetano Veloso',
    track: 'Cajuína',
    album: 'Cinema Transcendental',
  });
  await expect(page.getByRole('list', { name: 'Scrobbles' })).toContainText(
    'Added to your profile',
  );

  await page.getByRole('link', { name: 'Privacy' }).click();
  await expect(page.getByRole('heading', { name: 'What Lasso keeps' })).toBeVisible();
  await checkScreen(page, testInfo, 'privacy');

  const download = page.waitForEvent('download');
  await page.getByRole('link', { name: 'Download my data' }).click();
  const file = await (await download).path();
  const data = JSON.parse(await readFile(file, 'utf8')) as {
    username: string;
    follows: Array<{ scrobbles: Array<{ track: string }> }>;
  };
  expect(data.username).toBe(guest);
  expect(data.follows[0]?.scrobbles.map((s) => s.track)).toEqual(['Cajuína']);

  await page.getByRole('button', { name: 'Disconnect…' }).click();
  await checkScreen(page, testInfo, 'disconnect-confirm');
  await page.getByRole('button', { name: 'Yes, delete everything' }).click();
  await expect(page.getByText('Disconnected')).toBeVisible();
  await page.goto('/');
  await expect(page.getByRole('button', { name: 'Sign in with Last.fm' })).toBeVisible();
});
