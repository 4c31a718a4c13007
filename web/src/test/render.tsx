/** Renders the whole app at a path against a `FakeServer`, as a guest's browser would load it. */
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render } from '@testing-library/preact';
import { vi } from 'vitest';
import type { AppInfo, MeResponse, StatusResponse } from '../../../contract/index.js';
import { App } from '../app/App.js';
import { FakeServer, errorReply } from './fake-server.js';
import * as f from './fixtures.js';

/** What the fake API starts with; handlers can be changed on `server` afterwards. */
export interface Scene {
  path?: string;
  info?: AppInfo;
  me?: MeResponse | null;
  status?: StatusResponse;
  /** Every request fails as when the network is gone. */
  offline?: boolean;
}

/** Renders `<App/>` at `scene.path`; returns Testing Library's result and the fake server. */
export function renderApp(scene: Scene = {}) {
  const server = new FakeServer()
    .on('GET /api/info', scene.info ?? f.info())
    .on('GET /api/me', scene.me === null ? errorReply(401, 'AUTH_REQUIRED') : (scene.me ?? f.me()))
    .on('GET /api/session/status', scene.status ?? f.idle())
    .on('GET /api/session/history', { page: 1, per_page: 20, total: 0, follows: [] });
  server.install();
  if (scene.offline) {
    vi.stubGlobal('fetch', async () => {
      throw new TypeError('Failed to fetch');
    });
  }
  window.history.replaceState(null, '', scene.path ?? '/');
  const client = new QueryClient({
    defaultOptions: { queries: { retry: false }, mutations: { retry: false } },
  });
  const result = render(
    <QueryClientProvider client={client}>
      <App />
    </QueryClientProvider>,
  );
  return { ...result, server, client };
}
