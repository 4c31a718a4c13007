/** "I joined late…": the preview shows exactly what would be added; confirming adds those. */
import { checkScreen, expect, lastfm, signIn, test, uniqueName } from './fixtures.js';

test('catch-up with preview and confirm', async ({ page }, testInfo) => {
  const host = uniqueName('host');
  const guest = uniqueName('guest');
  await lastfm.createUser(host);
  const now = Math.floor(Date.now() / 1000);
  await lastfm.scrobble(host, { artist: 'Before', track: 'Too Early', album: 'X' }, now - 50 * 60);
  await lastfm.scrobble(
    host,
    { artist: 'Khruangbin', track: 'Maria También', album: 'Con Todo El Mundo' },
    now - 20 * 60,
  );
  await lastfm.scrobble(
    host,
    { artist: 'Fever Ray', track: 'If I Had a Heart', album: 'Fever Ray' },
    now - 10 * 60,
  );

  await page.goto('/');
  await signIn(page, guest);
  await page.getByLabel('Host’s Last.fm username').fill(host);
  await page.getByText('I joined late…').click();
  const joined = new Date((now - 30 * 60) * 1000);
  const hhmm = `${String(joined.getHours()).padStart(2, '0')}:${String(joined.getMinutes()).padStart(2, '0')}`;
  await page.getByLabel('When did you join?').fill(hhmm);
  await page.getByRole('button', { name: 'Show tracks' }).click();
  await expect(page.getByText('2 tracks would be added')).toBeVisible();
  await expect(page.getByText('Maria También')).toBeVisible();
  await expect(page.getByText('Too Early')).toHaveCount(0);
  await checkScreen(page, testInfo, 'catch-up-preview');
  await page.getByRole('button', { name: 'Add 2 tracks and follow' }).click();

  const feed = page.getByRole('list', { name: 'Scrobbles' });
  await expect(feed.getByRole('listitem').filter({ hasText: 'Maria También' })).toContainText(
    'Added to your profile',
  );
  await expect(feed.getByRole('listitem').filter({ hasText: 'If I Had a Heart' })).toContainText(
    'Added to your profile',
  );
  expect((await lastfm.library(guest)).map((s) => s.track).sort()).toEqual([
    'If I Had a Heart',
    'Maria También',
  ]);
});
