import { fireEvent, screen, waitFor } from '@testing-library/preact';
import { describe, expect, it } from 'vitest';
import * as f from '../../test/fixtures.js';
import { renderApp } from '../../test/render.js';

describe('privacy', () => {
  it('says in plain words what is kept and for how long', async () => {
    renderApp({ path: '/privacy', me: null, info: f.info({ history_days: 7 }) });
    expect(await screen.findByRole('heading', { name: 'What Lasso keeps' })).toBeTruthy();
    expect(screen.getByText(/for 7 days/)).toBeTruthy();
    expect(screen.getByRole('heading', { name: 'What Lasso never keeps' })).toBeTruthy();
    expect(screen.queryByRole('button', { name: /Disconnect/ })).toBeNull();
  });

  it('offers the data download to a signed-in guest', async () => {
    renderApp({ path: '/privacy' });
    const link = await screen.findByRole('link', { name: 'Download my data' });
    expect(link.getAttribute('href')).toBe('/api/me/export');
  });

  it('disconnects after a confirm that says which waiting tracks are dropped', async () => {
    const { server } = renderApp({
      path: '/privacy',
      status: f.following({ counts: { pending: 2, mirrored: 5, ignored: 0, held: 1 } }),
    });
    server.on('POST /api/auth/disconnect', { success: true, dropped: 3 });
    fireEvent.click(await screen.findByRole('button', { name: 'Disconnect…' }));
    expect(
      await screen.findByText('3 tracks not yet added to your profile will be dropped, not sent.'),
    ).toBeTruthy();
    expect(server.callsTo('POST /api/auth/disconnect')).toHaveLength(0);
    fireEvent.click(screen.getByRole('button', { name: 'Yes, delete everything' }));
    expect(await screen.findByText('Disconnected')).toBeTruthy();
    expect(screen.getByText(/3 tracks that were waiting were dropped/)).toBeTruthy();
    await waitFor(() => expect(screen.queryByRole('link', { name: 'History' })).toBeNull());
  });

  it('lets the guest change their mind', async () => {
    const { server } = renderApp({ path: '/privacy' });
    fireEvent.click(await screen.findByRole('button', { name: 'Disconnect…' }));
    fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(screen.getByRole('button', { name: 'Disconnect…' })).toBeTruthy();
    expect(server.callsTo('POST /api/auth/disconnect')).toHaveLength(0);
  });
});
