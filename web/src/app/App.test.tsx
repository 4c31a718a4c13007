import { fireEvent, screen } from '@testing-library/preact';
import { describe, expect, it, vi } from 'vitest';
import * as f from '../test/fixtures.js';
import { renderApp } from '../test/render.js';
import { parseRoute } from './router.js';

describe('routes', () => {
  it('parses the client routes the server answers index.html for', () => {
    expect(parseRoute('/')).toEqual({ name: 'home' });
    expect(parseRoute('/j/maya')).toEqual({ name: 'join', username: 'maya' });
    expect(parseRoute('/j/maya/')).toEqual({ name: 'join', username: 'maya' });
    expect(parseRoute('/history')).toEqual({ name: 'history' });
    expect(parseRoute('/history/12')).toEqual({ name: 'historyDetail', id: '12' });
    expect(parseRoute('/privacy')).toEqual({ name: 'privacy' });
    expect(parseRoute('/nope')).toEqual({ name: 'notFound' });
  });

  it('shows its own not-found screen', async () => {
    renderApp({ path: '/nope' });
    expect(await screen.findByRole('heading', { name: 'Page not found' })).toBeTruthy();
  });

  it('navigates between screens without a reload', async () => {
    renderApp({});
    fireEvent.click(await screen.findByRole('link', { name: 'Privacy' }));
    expect(await screen.findByRole('heading', { name: 'Privacy' })).toBeTruthy();
    expect(window.location.pathname).toBe('/privacy');
    expect(screen.getByRole('link', { name: 'Privacy' }).getAttribute('aria-current')).toBe('page');
  });
});

describe('offline', () => {
  it('says mirroring goes on at the server when the server cannot be reached', async () => {
    renderApp({ offline: true });
    expect(await screen.findByRole('heading', { name: 'You are offline' })).toBeTruthy();
    expect(screen.getByText(/Mirroring goes on at the server/)).toBeTruthy();
  });

  it('shows a notice when the browser goes offline', async () => {
    renderApp({ status: f.following() });
    await screen.findByRole('heading', { level: 1, name: 'maya' });
    vi.spyOn(navigator, 'onLine', 'get').mockReturnValue(false);
    window.dispatchEvent(new Event('offline'));
    expect(await screen.findByText('You are offline')).toBeTruthy();
  });
});

describe('signing out', () => {
  it('signs this browser out and shows the welcome screen', async () => {
    const { server } = renderApp({ me: f.me('alex') });
    server.on('POST /api/auth/logout', { success: true });
    fireEvent.click(await screen.findByRole('button', { name: 'Sign out' }));
    expect(await screen.findByRole('button', { name: 'Sign in with Last.fm' })).toBeTruthy();
  });
});
