/** The invite link from a signed-out browser, and a host showing their own invite. */
import { checkScreen, expect, lastfm, signIn, test, uniqueName } from './fixtures.js';

test('a signed-out guest opens /j/<host>, signs in, lands back on a one-tap Follow', async ({
  page,
}, testInfo) => {
  const host = uniqueName('host');
  await lastfm.createUser(host);
  await page.goto(`/j/${host}`);
  await expect(page.getByRole('heading', { name: `${host}’s jam` })).toBeVisible();
  await checkScreen(page, testInfo, 'invite-signed-out');
  await signIn(page, uniqueName('guest'));
  await expect(page).toHaveURL(new RegExp(`/j/${host}$`));
  await expect(page.getByLabel('Host’s Last.fm username')).toHaveValue(host);
  await checkScreen(page, testInfo, 'invite-signed-in');
  await page.getByRole('button', { name: 'Follow', exact: true }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole('heading', { level: 1, name: host })).toBeVisible();
});

test('a host shows their own invite link and QR code', async ({ page }, testInfo) => {
  const me = uniqueName('hosting');
  await page.goto('/');
  await signIn(page, me);
  await page.getByText('Hosting a jam? Invite your guests').click();
  await expect(page.getByText(`/j/${me}`)).toBeVisible();
  const qr = page.getByRole('img', { name: /QR code of the invite link/ });
  await expect(qr).toBeVisible();
  await expect
    .poll(() => qr.evaluate((img: HTMLImageElement) => img.naturalWidth))
    .toBeGreaterThan(0);
  await checkScreen(page, testInfo, 'invite-card');
});
