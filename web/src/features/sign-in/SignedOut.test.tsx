import { fireEvent, screen, waitFor } from '@testing-library/preact';
import { describe, expect, it, vi } from 'vitest';
import { SIGN_IN_ERRORS } from '../../../../contract/constants.js';
import { browser } from '../../api/mutations.js';
import { renderApp } from '../../test/render.js';
import * as f from '../../test/fixtures.js';

describe('signed out', () => {
  it('says what Lasso does in one sentence and offers Sign in with Last.fm', async () => {
    renderApp({ me: null });
    expect(await screen.findByRole('heading', { level: 1 })).toBeTruthy();
    expect(screen.getByText(/copies the host’s scrobbles onto your Last.fm profile/)).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Sign in with Last.fm' })).toBeTruthy();
  });

  it('sends the browser to Last.fm with the URL the server gives', async () => {
    const assign = vi.spyOn(browser, 'assign').mockImplementation(() => undefined);
    const { server } = renderApp({ me: null });
    server.on('POST /api/auth/init', { auth_url: 'https://www.last.fm/api/auth/?api_key=k' });
    fireEvent.click(await screen.findByRole('button', { name: 'Sign in with Last.fm' }));
    await waitFor(() =>
      expect(assign).toHaveBeenCalledWith('https://www.last.fm/api/auth/?api_key=k'),
    );
    expect(server.callsTo('POST /api/auth/init')[0]?.body).toEqual({});
  });

  it.each(SIGN_IN_ERRORS)('explains the sign-in error %s in words, as an alert', async (code) => {
    renderApp({ me: null, path: `/?error=${code}` });
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).not.toContain(code);
    expect(alert.textContent?.length).toBeGreaterThan(30);
    expect(screen.getByRole('button', { name: 'Sign in with Last.fm' })).toBeTruthy();
  });

  it('explains an unknown error code too', async () => {
    renderApp({ me: null, path: '/?error=SOMETHING_NEW' });
    expect((await screen.findByRole('alert')).textContent).toContain('Sign-in did not work');
  });

  it('shows the demo banner with the host to follow', async () => {
    renderApp({ me: null, info: f.info({ demo: true, demo_host: 'demo_host' }) });
    const banner = await screen.findByText('Demo: a simulated Last.fm');
    expect(banner.parentElement?.textContent).toContain('demo_host');
  });
});
