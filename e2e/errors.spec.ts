/** The server's refusals in words: an unknown host, a private host, yourself; access revoked. */
import {
  checkScreen,
  expect,
  guestFollowing,
  lastfm,
  signIn,
  test,
  uniqueName,
} from './fixtures.js';

test('unknown host, private host and yourself are explained', async ({ page }, testInfo) => {
  const guest = uniqueName('guest');
  const hidden = uniqueName('private');
  await lastfm.createUser(hidden, true);
  await page.goto('/');
  await signIn(page, guest);
  const field = page.getByLabel('Host’s Last.fm username');
  const follow = page.getByRole('button', { name: 'Follow', exact: true });

  await field.fill('nobody_by_this_name');
  await follow.click();
  await expect(page.getByRole('alert')).toContainText(
    'Last.fm has no user called “nobody_by_this_name”',
  );
  await checkScreen(page, testInfo, 'error-unknown-host');

  await field.fill(hidden);
  await follow.click();
  await expect(page.getByRole('alert')).toContainText('keeps their listening history private');

  await field.fill(guest.toUpperCase());
  await expect(page.getByText(/That is you/)).toBeVisible();
});

test('a revoked Last.fm access stops the follow with Sign in again', async ({ page }, testInfo) => {
  const { host, guest } = await guestFollowing(page);
  await lastfm.revoke(guest);
  await lastfm.scrobble(host, { artist: 'Tame Impala', track: 'Let It Happen', album: 'Currents' });
  const alert = page.getByRole('alert');
  await expect(alert).toContainText('Lasso lost access to your Last.fm');
  await checkScreen(page, testInfo, 'access-revoked');

  // Signing in again sends what was kept.
  await signIn(page, guest, 'Sign in again');
  await expect
    .poll(async () => (await lastfm.library(guest)).map((s) => s.track))
    .toEqual(['Let It Happen']);
});
