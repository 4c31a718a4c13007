import { fireEvent, screen, waitFor, within } from '@testing-library/preact';
import { describe, expect, it } from 'vitest';
import { errorReply } from '../../test/fake-server.js';
import * as f from '../../test/fixtures.js';
import { renderApp } from '../../test/render.js';

async function typeHost(value: string) {
  const field = await screen.findByLabelText('Host’s Last.fm username');
  fireEvent.input(field, { target: { value } });
  return field;
}

describe('signed in, not following', () => {
  it('checks the username format as the guest types', async () => {
    renderApp();
    await typeHost('maya plays');
    expect(screen.getByText(/only letters, digits/)).toBeTruthy();
    await typeHost('maya_plays');
    expect(screen.queryByText(/only letters, digits/)).toBeNull();
  });

  it('says at once when the guest types their own name', async () => {
    renderApp({ me: f.me('alex') });
    await typeHost('ALEX');
    expect(screen.getByText(/That is you/)).toBeTruthy();
  });

  it('follows with the now-playing switch off by default, as the contract says', async () => {
    const { server } = renderApp();
    server.on('POST /api/session/start', {
      success: true,
      target_username: 'maya',
      state: 'active',
    });
    expect(
      await screen.findByRole<HTMLInputElement>('switch', { name: /what’s playing on my profile/ }),
    ).toHaveProperty('checked', false);
    await typeHost(' maya ');
    fireEvent.click(screen.getByRole('button', { name: 'Follow' }));
    await waitFor(() => expect(server.callsTo('POST /api/session/start')).toHaveLength(1));
    expect(server.callsTo('POST /api/session/start')[0]?.body).toEqual({
      target_username: 'maya',
      mirror_now_playing: false,
    });
  });

  it('sends the switch when the guest turns it on', async () => {
    const { server } = renderApp();
    server.on('POST /api/session/start', {
      success: true,
      target_username: 'maya',
      state: 'active',
    });
    fireEvent.click(await screen.findByRole('switch', { name: /what’s playing on my profile/ }));
    await typeHost('maya');
    fireEvent.click(screen.getByRole('button', { name: 'Follow' }));
    await waitFor(() =>
      expect(server.callsTo('POST /api/session/start')[0]?.body).toMatchObject({
        mirror_now_playing: true,
      }),
    );
  });

  it.each([
    [404, 'TARGET_NOT_FOUND', /Last.fm has no user called “mayaa”/],
    [403, 'TARGET_PRIVATE', /mayaa keeps their listening history private/],
    [400, 'TARGET_IS_SELF', /That is you/],
    [503, 'RATE_LIMIT', /Too many requests/],
    [502, 'LASTFM_ERROR', /Last.fm did not answer/],
  ] as const)('answers %s %s in words', async (status, code, words) => {
    const { server } = renderApp();
    server.on('POST /api/session/start', errorReply(status, code));
    await typeHost('mayaa');
    fireEvent.click(screen.getByRole('button', { name: 'Follow' }));
    expect((await screen.findByRole('alert')).textContent).toMatch(words);
  });

  it('offers the last hosts one tap each, newest first, without repeats', async () => {
    const { server } = renderApp();
    server.on('GET /api/session/history', {
      page: 1,
      per_page: 20,
      total: 3,
      follows: [
        f.followSummary({ id: '3', target_username: 'sam' }),
        f.followSummary({ id: '2', target_username: 'Maya' }),
        f.followSummary({ id: '1', target_username: 'maya' }),
      ],
    });
    server.on('POST /api/session/start', {
      success: true,
      target_username: 'Maya',
      state: 'active',
    });
    const again = await screen.findByRole('heading', { name: 'Follow again' });
    const buttons = within(again.parentElement!).getAllByRole('button');
    expect(buttons.map((b) => b.textContent)).toEqual(['sam', 'Maya']);
    fireEvent.click(screen.getByRole('button', { name: 'Follow Maya' }));
    await waitFor(() =>
      expect(server.callsTo('POST /api/session/start')[0]?.body).toMatchObject({
        target_username: 'Maya',
      }),
    );
  });

  it('shows the one-line summary and the form again after a stop', async () => {
    renderApp({ status: f.stopped() });
    expect(await screen.findByRole('heading', { name: 'Join a jam' })).toBeTruthy();
    expect(screen.getByText(/Last follow:/).textContent).toMatch(
      /maya.*14 tracks added · 1 not added/,
    );
  });
});

describe('I joined late…', () => {
  it('previews exactly what would be added, then follows from the previewed time', async () => {
    const { server } = renderApp();
    const since = f.NOW - 40 * 60_000;
    server.on('GET /api/session/catch-up', {
      target_username: 'maya',
      since,
      scrobbles: [
        {
          artist: 'Björk',
          track: 'Jóga',
          album: 'Homogenic',
          timestamp: since / 1000 + 60,
          image_url: null,
          not_added: null,
        },
        {
          artist: 'Sigur Rós',
          track: 'Hoppípolla',
          album: 'Takk...',
          timestamp: since / 1000 + 300,
          image_url: null,
          not_added: null,
        },
        {
          artist: 'Sigur Rós',
          track: 'Hopp… (a name of 2,000 characters)',
          album: '',
          timestamp: since / 1000 + 600,
          image_url: null,
          not_added: 'its artist, track or album name is too long to copy',
        },
      ],
      total: 3,
      capped: false,
    });
    server.on('POST /api/session/start', {
      success: true,
      target_username: 'maya',
      state: 'active',
    });
    await typeHost('maya');
    fireEvent.click(screen.getByText('I joined late…'));
    fireEvent.click(screen.getByRole('button', { name: 'Show tracks' }));
    expect(await screen.findByText('2 tracks would be added')).toBeTruthy();
    expect(screen.getByText('Jóga')).toBeTruthy();
    expect(screen.getByText('Hoppípolla')).toBeTruthy();
    // Listed, with why it will not be copied, and not counted.
    expect(screen.getByText(/1 track cannot be copied: it shows as not added/)).toBeTruthy();
    expect(
      screen.getByText('Not added: its artist, track or album name is too long to copy'),
    ).toBeTruthy();
    expect(server.callsTo('GET /api/session/catch-up')[0]?.query.get('target_username')).toBe(
      'maya',
    );
    fireEvent.click(screen.getByRole('button', { name: 'Add 2 tracks and follow' }));
    await waitFor(() =>
      expect(server.callsTo('POST /api/session/start')[0]?.body).toEqual({
        target_username: 'maya',
        mirror_now_playing: false,
        catch_up_since: since,
      }),
    );
  });

  it('says when the server capped the catch-up', async () => {
    const { server } = renderApp();
    server.on('GET /api/session/catch-up', {
      target_username: 'maya',
      since: f.NOW - 60_000,
      scrobbles: [
        {
          artist: 'A',
          track: 'T',
          album: '',
          timestamp: f.NOW / 1000 - 30,
          image_url: null,
          not_added: null,
        },
      ],
      total: 73,
      capped: true,
    });
    await typeHost('maya');
    fireEvent.click(screen.getByText('I joined late…'));
    fireEvent.click(screen.getByRole('button', { name: 'Show tracks' }));
    expect(
      await screen.findByText(/73 were played since then; only the newest 1 are added/),
    ).toBeTruthy();
  });

  it('asks for the host first', async () => {
    renderApp();
    fireEvent.click(await screen.findByText('I joined late…'));
    fireEvent.click(screen.getByRole('button', { name: 'Show tracks' }));
    expect((await screen.findByRole('alert')).textContent).toMatch(
      /Enter the host’s Last.fm username/,
    );
  });
});

describe('demo mode', () => {
  it('offers the demo host one tap away', async () => {
    const { server } = renderApp({ info: f.info({ demo: true, demo_host: 'demo_host' }) });
    server.on('POST /api/session/start', {
      success: true,
      target_username: 'demo_host',
      state: 'active',
    });
    expect(await screen.findByRole('heading', { name: 'Quick follow' })).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Follow demo_host' }));
    await waitFor(() =>
      expect(server.callsTo('POST /api/session/start')[0]?.body).toMatchObject({
        target_username: 'demo_host',
      }),
    );
  });
});
