/** The browser entry: the query client, the app, and the service worker that caches its shell. */
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render } from 'react-dom';
import { ApiError } from './api/client.js';
import { prefetchStatus, probablySignedIn } from './api/queries.js';
import { App } from './app/App.js';
import './styles.css';

const client = new QueryClient({
  defaultOptions: {
    queries: {
      // A refusal (4xx) will not change on a retry; a network failure or 5xx may.
      retry: (count, error) =>
        count < 2 && !(error instanceof ApiError && error.status >= 400 && error.status < 500),
      refetchOnWindowFocus: true,
    },
  },
});

// A browser that was signed in asks for its status at once, beside who-am-I, not after it.
if (probablySignedIn()) prefetchStatus(client);

const root = document.getElementById('root');
if (root) {
  render(
    <QueryClientProvider client={client}>
      <App />
    </QueryClientProvider>,
    root,
  );
}

if ('serviceWorker' in navigator && import.meta.env.PROD) {
  window.addEventListener('load', () => {
    void navigator.serviceWorker.register('/sw.js');
  });
}
