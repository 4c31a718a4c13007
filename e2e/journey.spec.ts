/**
 * A guest's whole evening: sign in, follow the host, the host's tracks appear as added (the one
 * playing when they joined too), pause, resume, stop, and history shows what was added.
 */
import { checkScreen, expect, lastfm, signIn, test, uniqueName } from './fixtures.js';

test('sign in → follow → tracks added → pause → resume → stop → history', async ({
  page,
}, testInfo) => {
  const host = uniqueName('host');
  const guest = uniqueName('guest');
  await lastfm.createUser(host);
  const joinedAt = Math.floor(Date.now() / 1000);
  // Playing when the guest joins: it started before them, they hear it, so it counts.
  await lastfm.scrobble(
    host,
    { artist: 'Warmup', track: 'Before You Came', album: 'Earlier' },
    joinedAt - 600,
  );
  await lastfm.nowPlaying(host, { artist: 'Björk', track: 'Jóga', album: 'Homogenic' });

  await page.goto('/');
  await checkScreen(page, testInfo, 'signed-out');
  await signIn(page, guest);
  await expect(page.getByRole('heading', { name: 'Join a jam' })).toBeVisible();
  await checkScreen(page, testInfo, 'follow-form');

  await page.getByLabel('Host’s Last.fm username').fill(host);
  await page.getByRole('button', { name: 'Follow', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: host })).toBeVisible();
  await expect(page.getByText('Jóga').first()).toBeVisible();

  // Jóga ends and is scrobbled with its start time, before the guest joined.
  await page.waitForTimeout(1_200);
  await lastfm.scrobble(
    host,
    { artist: 'Björk', track: 'Jóga', album: 'Homogenic' },
    joinedAt - 20,
  );
  await lastfm.nowPlaying(host, { artist: 'Sigur Rós', track: 'Hoppípolla', album: 'Takk...' });
  await lastfm.scrobble(host, { artist: 'Sigur Rós', track: 'Hoppípolla', album: 'Takk...' });
  const feed = page.getByRole('list', { name: 'Scrobbles' });
  await expect(feed.getByRole('listitem').filter({ hasText: 'Jóga' })).toContainText(
    'Added to your profile',
  );
  await expect(feed.getByRole('listitem').filter({ hasText: 'Hoppípolla' })).toContainText(
    'Added to your profile',
  );
  await expect(feed.getByText('Before You Came')).toHaveCount(0);
  await expect(
    page.locator('dt', { hasText: 'Added to your profile' }).locator('..'),
  ).toContainText('2');
  await checkScreen(page, testInfo, 'following');

  await page.getByRole('button', { name: 'Pause' }).click();
  await expect(page.getByText(/Tracks .* plays now are not added/)).toBeVisible();
  // Started a second after the pause (timestamps are whole seconds): not heard, not added.
  await page.waitForTimeout(1_200);
  await lastfm.scrobble(host, { artist: 'Paused', track: 'Not Heard' });
  await checkScreen(page, testInfo, 'paused');
  await page.waitForTimeout(1_200);
  await page.getByRole('button', { name: 'Resume' }).click();
  await expect(page.getByText('Live', { exact: true })).toBeVisible();
  await page.waitForTimeout(1_200);
  await lastfm.scrobble(host, { artist: 'Little Simz', track: 'Venom', album: 'GREY Area' });
  await expect(feed.getByRole('listitem').filter({ hasText: 'Venom' })).toContainText(
    'Added to your profile',
  );
  await expect(feed.getByText('Not Heard')).toHaveCount(0);

  await page.getByRole('button', { name: 'Stop' }).click();
  await expect(page.getByRole('heading', { name: 'Join a jam' })).toBeVisible();
  await expect(page.getByText(/Last follow:/)).toContainText('3 tracks added');

  await page.getByRole('link', { name: 'History' }).click();
  await expect(page.getByRole('heading', { name: 'History' })).toBeVisible();
  await expect(page.getByRole('link', { name: new RegExp(host) })).toContainText('3 tracks added');
  await checkScreen(page, testInfo, 'history');
  await page.getByRole('link', { name: new RegExp(host) }).click();
  await expect(page.getByRole('heading', { level: 1, name: host })).toBeVisible();
  await expect(page.getByRole('listitem')).toHaveCount(3);
  await checkScreen(page, testInfo, 'history-detail');

  const library = await lastfm.library(guest);
  expect(library.map((s) => s.track).sort()).toEqual(['Hoppípolla', 'Jóga', 'Venom']);
});
