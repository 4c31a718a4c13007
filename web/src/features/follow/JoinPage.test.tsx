import { fireEvent, screen, waitFor } from '@testing-library/preact';
import { describe, expect, it, vi } from 'vitest';
import { browser } from '../../api/mutations.js';
import * as f from '../../test/fixtures.js';
import { renderApp } from '../../test/render.js';

describe('the invite link /j/:host', () => {
  it('signs a signed-out guest in and comes back to the same page', async () => {
    const assign = vi.spyOn(browser, 'assign').mockImplementation(() => undefined);
    const { server } = renderApp({ me: null, path: '/j/maya' });
    server.on('POST /api/auth/init', { auth_url: 'http://lastfm.test/auth' });
    expect(await screen.findByRole('heading', { name: 'maya’s jam' })).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Sign in with Last.fm' }));
    await waitFor(() => expect(assign).toHaveBeenCalledWith('http://lastfm.test/auth'));
    expect(server.callsTo('POST /api/auth/init')[0]?.body).toEqual({ return_to: '/j/maya' });
  });

  it('lands a signed-in guest on a one-tap Follow for that host', async () => {
    const { server } = renderApp({ path: '/j/maya' });
    server.on('POST /api/session/start', {
      success: true,
      target_username: 'maya',
      state: 'active',
    });
    expect((await screen.findByLabelText<HTMLInputElement>('Host’s Last.fm username')).value).toBe(
      'maya',
    );
    server.on('GET /api/session/status', f.following());
    fireEvent.click(screen.getByRole('button', { name: 'Follow' }));
    await waitFor(() => expect(window.location.pathname).toBe('/'));
    expect(server.callsTo('POST /api/session/start')[0]?.body).toMatchObject({
      target_username: 'maya',
    });
    expect(await screen.findByRole('heading', { level: 1, name: 'maya' })).toBeTruthy();
  });

  it('warns that following this host stops the current follow', async () => {
    renderApp({ path: '/j/maya', status: f.following({ target_username: 'sam' }) });
    expect(await screen.findByText(/Following maya stops that/)).toBeTruthy();
  });

  it('says so when the guest already follows that host', async () => {
    renderApp({ path: '/j/MAYA', status: f.following() });
    expect(await screen.findByText('You are following MAYA')).toBeTruthy();
  });

  it('recognises the guest’s own invite link', async () => {
    renderApp({ path: '/j/alex', me: f.me('alex') });
    expect(await screen.findByText('This is your own invite link')).toBeTruthy();
  });

  it('explains a broken link', async () => {
    renderApp({ path: '/j/not%20a%20name' });
    expect((await screen.findByRole('alert')).textContent).toMatch(/This invite link is broken/);
  });
});
