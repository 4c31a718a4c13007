import { act, fireEvent, screen, waitFor, within } from '@testing-library/preact';
import { describe, expect, it } from 'vitest';
import type { StopReason } from '../../../../contract/index.js';
import { FakeEventSource } from '../../test/event-source.js';
import * as f from '../../test/fixtures.js';
import { renderApp } from '../../test/render.js';

describe('following', () => {
  it('shows the host, what is playing, the count added and the live Scrobbles list', async () => {
    renderApp({
      status: f.following({ target_image_url: 'https://lastfm.freetls.fastly.net/i/u/64s/a.png' }),
    });
    expect(await screen.findByRole('heading', { level: 1, name: 'maya' })).toBeTruthy();
    expect(document.querySelector('img[src$="a.png"]')).toBeTruthy();
    expect(screen.getByText('Let It Happen')).toBeTruthy();
    expect(
      screen.getByText('Added to your profile', { selector: 'dt' }).nextElementSibling?.textContent,
    ).toBe('2');
    const list = screen.getByRole('list', { name: 'Scrobbles' });
    expect(list.getAttribute('aria-live')).toBe('polite');
    const items = within(list).getAllByRole('listitem');
    expect(items).toHaveLength(3);
    expect(items[0]?.textContent).toContain('Waiting to be added');
    expect(items[1]?.textContent).toContain('Added to your profile');
  });

  it('puts every scrobble state into words, with Last.fm’s reason and the hold’s end', async () => {
    const held = f.NOW + 3_600_000;
    renderApp({
      status: f.following({
        held_until: held,
        recent_scrobbles: [
          f.scrobble({
            track: 'A',
            status: 'ignored',
            lastfm_code: 1,
            lastfm_message: 'Artist name failed filter: Various',
          }),
          f.scrobble({ track: 'B', status: 'ignored', lastfm_code: 3, lastfm_message: null }),
          f.scrobble({ track: 'C', status: 'ignored', lastfm_code: -2, lastfm_message: null }),
          f.scrobble({ track: 'D', status: 'held', lastfm_code: null }),
          f.scrobble({ track: 'E…', status: 'ignored', lastfm_code: -3, lastfm_message: null }),
        ],
      }),
    });
    const list = await screen.findByRole('list', { name: 'Scrobbles' });
    const text = within(list)
      .getAllByRole('listitem')
      .map((li) => li.textContent);
    expect(text[0]).toContain('Not added: Artist name failed filter: Various');
    expect(text[1]).toContain('Not added: too old for Last.fm');
    expect(text[2]).toContain('Not added: already on your profile');
    expect(text[3]).toMatch(/Held by Last.fm’s daily limit until/);
    expect(text[4]).toContain('Not added: its artist, track or album name is too long to copy');
  });

  it.each([
    ['pause', 'Pause'],
    ['stop', 'Stop'],
  ] as const)('asks the server to %s', async (action, label) => {
    const { server } = renderApp({ status: f.following() });
    server.on(`POST /api/session/${action}`, {
      success: true,
      state: action === 'stop' ? 'stopped' : 'paused',
    });
    fireEvent.click(await screen.findByRole('button', { name: label }));
    await waitFor(() => expect(server.callsTo(`POST /api/session/${action}`)).toHaveLength(1));
  });

  it('offers Resume while paused, with the pause banner', async () => {
    const { server } = renderApp({
      status: f.following({ state: 'paused', pause_reason: 'user' }),
    });
    server.on('POST /api/session/resume', { success: true, state: 'active' });
    expect(await screen.findByText(/Tracks maya plays now are not added/)).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Pause' })).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Resume' }));
    await waitFor(() => expect(server.callsTo('POST /api/session/resume')).toHaveLength(1));
  });

  it('reads the status again on every event and on (re)connect', async () => {
    const { server } = renderApp({ status: f.following() });
    await screen.findByRole('heading', { level: 1, name: 'maya' });
    const source = FakeEventSource.last!;
    expect(source.url).toBe('/api/session/events');
    const reads = () => server.callsTo('GET /api/session/status').length;
    const before = reads();
    server.on('GET /api/session/status', f.following({ scrobble_count: 3 }));
    await act(() => source.open());
    await waitFor(() => expect(reads()).toBeGreaterThan(before));
    const afterOpen = reads();
    await act(() => source.emit('mirrored', {}));
    await waitFor(() => expect(reads()).toBeGreaterThan(afterOpen));
    expect(
      screen.getByText('Added to your profile', { selector: 'dt' }).nextElementSibling?.textContent,
    ).toBe('3');
  });

  it('says “Reconnecting…” quietly while the stream is down', async () => {
    renderApp({ status: f.following() });
    await screen.findByRole('heading', { level: 1, name: 'maya' });
    await act(() => FakeEventSource.last!.open());
    expect(screen.queryByText(/Reconnecting/)).toBeNull();
    await act(() => FakeEventSource.last!.fail(false));
    expect(await screen.findByText('Reconnecting…')).toBeTruthy();
    await act(() => FakeEventSource.last!.fail(true));
    expect(await screen.findByText(/checking every 10 seconds/)).toBeTruthy();
  });
});

describe('banners', () => {
  const cases: Array<[StopReason, RegExp]> = [
    ['jam_ended', /The jam ended.*maya played nothing for 30 minutes/],
    ['max_duration', /Stopped after 12 hours/],
    ['target_not_found', /maya is gone from Last.fm/],
    ['target_private', /maya’s listening is private now/],
    ['auth_revoked', /Lasso lost access to your Last.fm/],
  ];
  it.each(cases)('explains a stop for %s', async (reason, words) => {
    renderApp({ status: f.stopped({ stop_reason: reason }) });
    await screen.findByRole('heading', { name: 'Join a jam' });
    const banners = [...screen.queryAllByRole('status'), ...screen.queryAllByRole('alert')];
    expect(banners.map((b) => b.textContent).join(' ')).toMatch(words);
  });

  it('offers Sign in again when access was revoked', async () => {
    renderApp({ status: f.stopped({ stop_reason: 'auth_revoked' }) });
    const alert = await screen.findByRole('alert');
    expect(within(alert).getByRole('button', { name: 'Sign in again' })).toBeTruthy();
  });

  it('shows no banner when the guest stopped it themselves', async () => {
    renderApp({ status: f.stopped({ stop_reason: 'stopped_by_user' }) });
    await screen.findByRole('heading', { name: 'Join a jam' });
    expect(screen.queryByRole('alert')).toBeNull();
    expect(screen.queryByText(/jam ended/i)).toBeNull();
  });

  it('explains a pause because the guest’s own account scrobbles the jam', async () => {
    renderApp({ status: f.following({ state: 'paused', pause_reason: 'already_scrobbling' }) });
    expect(await screen.findByText('Your own account is scrobbling this jam')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Resume' })).toBeTruthy();
  });

  it('explains a daily-limit hold with its end', async () => {
    renderApp({ status: f.following({ held_until: f.NOW + 7_200_000 }) });
    const title = await screen.findByText('Last.fm’s daily limit is reached');
    expect(title.parentElement?.textContent).toMatch(/added after/);
  });
});

describe('a new follow', () => {
  it('reads the status again until the host has been read since the start', async () => {
    const { server } = renderApp({ status: f.following({ last_poll: null, now_playing: null }) });
    await screen.findByRole('heading', { level: 1, name: 'maya' });
    expect(screen.getByText(/Nothing is playing/)).toBeTruthy();
    server.on('GET /api/session/status', f.following());
    expect(await screen.findByText('Let It Happen', {}, { timeout: 4_000 })).toBeTruthy();
  });
});
