import { fireEvent, screen, waitFor } from '@testing-library/preact';
import { describe, expect, it, vi } from 'vitest';
import * as f from '../../test/fixtures.js';
import { renderApp } from '../../test/render.js';

describe('the guest’s own invite', () => {
  it('shows the link /j/<username> and its QR code', async () => {
    renderApp({ me: f.me('alex') });
    fireEvent.click(await screen.findByText('Hosting a jam? Invite your guests'));
    expect(screen.getByText(`${window.location.origin}/j/alex`)).toBeTruthy();
    const qr = screen.getByRole('img', { name: /QR code of the invite link/ });
    expect(qr.getAttribute('src')).toBe('/api/invite/alex/qr.svg');
  });

  it('copies the link where the Web Share API is missing', async () => {
    const writeText = vi.fn(async () => undefined);
    vi.stubGlobal('navigator', {
      ...navigator,
      onLine: true,
      share: undefined,
      clipboard: { writeText },
    });
    renderApp({ me: f.me('alex') });
    fireEvent.click(await screen.findByText('Hosting a jam? Invite your guests'));
    fireEvent.click(screen.getByRole('button', { name: 'Copy invite link' }));
    await waitFor(() => expect(writeText).toHaveBeenCalledWith(`${window.location.origin}/j/alex`));
    expect(await screen.findByText(/Copied/)).toBeTruthy();
  });

  it('shares the link where the phone can', async () => {
    const share = vi.fn(async () => undefined);
    vi.stubGlobal('navigator', { ...navigator, onLine: true, share });
    renderApp({ me: f.me('alex') });
    fireEvent.click(await screen.findByText('Hosting a jam? Invite your guests'));
    fireEvent.click(screen.getByRole('button', { name: 'Share invite link' }));
    await waitFor(() =>
      expect(share).toHaveBeenCalledWith({
        title: 'Join my jam on Lasso',
        url: `${window.location.origin}/j/alex`,
      }),
    );
  });
});
