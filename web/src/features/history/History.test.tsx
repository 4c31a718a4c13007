import { fireEvent, screen, within } from '@testing-library/preact';
import { describe, expect, it } from 'vitest';
import { errorReply } from '../../test/fake-server.js';
import * as f from '../../test/fixtures.js';
import { renderApp } from '../../test/render.js';

describe('history', () => {
  it('lists past follows with host, times, counts and how each ended', async () => {
    const { server } = renderApp({ path: '/history' });
    server.on('GET /api/session/history', {
      page: 1,
      per_page: 20,
      total: 2,
      follows: [
        f.followSummary({ id: '8', target_username: 'sam', stop_reason: 'stopped_by_user' }),
        f.followSummary({ id: '7', counts: { pending: 0, mirrored: 14, ignored: 1, held: 0 } }),
      ],
    });
    const links = await screen.findAllByRole('link', { name: /added/ });
    expect(links).toHaveLength(2);
    expect(links[0]?.textContent).toMatch(/sam.*Stopped by you/);
    expect(links[1]?.textContent).toMatch(/maya.*14 tracks added · 1 not added · Jam ended/);
    expect(links[1]?.getAttribute('href')).toBe('/history/7');
  });

  it('shows one follow’s tracks with what Last.fm answered', async () => {
    const { server } = renderApp({ path: '/history' });
    server.on('GET /api/session/history', {
      page: 1,
      per_page: 20,
      total: 1,
      follows: [f.followSummary()],
    });
    server.on('GET /api/session/history/7', {
      page: 1,
      per_page: 100,
      total: 2,
      follow: f.followSummary(),
      scrobbles: [
        { ...f.scrobble({ track: 'Jóga' }), sent_at: f.NOW, lastfm_code: 0, lastfm_message: null },
        {
          ...f.scrobble({ track: 'Venom', status: 'ignored', lastfm_code: 2 }),
          sent_at: f.NOW,
          lastfm_message: null,
        },
      ],
    });
    fireEvent.click(await screen.findByRole('link', { name: /added/ }));
    expect(await screen.findByRole('heading', { level: 1, name: 'maya' })).toBeTruthy();
    const items = within(screen.getByRole('list')).getAllByRole('listitem');
    expect(items[0]?.textContent).toContain('Added to your profile');
    expect(items[1]?.textContent).toContain('Not added: Last.fm ignored the track');
  });

  it('says when a follow does not exist (or is not yours)', async () => {
    const { server } = renderApp({ path: '/history/99' });
    server.on('GET /api/session/history/99', errorReply(404, 'NOT_FOUND'));
    expect((await screen.findByRole('alert')).textContent).toMatch(/No such follow/);
  });

  it('asks a signed-out visitor to sign in first', async () => {
    renderApp({ path: '/history', me: null });
    expect(await screen.findByText('Sign in to see your history')).toBeTruthy();
  });
});
