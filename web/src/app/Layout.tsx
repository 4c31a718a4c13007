/** The frame of every screen: the header with its links, the demo notice, offline notice, content. */
import type { ReactNode } from 'react';
import type { AppInfo, MeResponse } from '../../../contract/index.js';
import { useOnline } from '../api/live.js';
import { Banner } from '../components/Banner.js';
import { Link } from './router.js';
import type { Route } from './router.js';

function Logo() {
  return (
    <svg viewBox="0 0 512 512" className="size-8" aria-hidden="true">
      <rect width="512" height="512" rx="112" fill="#e11d48" />
      <ellipse cx="268" cy="206" rx="150" ry="96" fill="none" stroke="#fff" stroke-width="36" />
      <path
        d="M160 268c-34 40-40 92-8 132 22 28 58 40 92 36"
        fill="none"
        stroke="#fff"
        stroke-width="36"
        stroke-linecap="round"
      />
      <circle cx="252" cy="434" r="26" fill="#fff" />
    </svg>
  );
}

/** The page frame for `route`. */
export function Layout(props: {
  route: Route;
  me: MeResponse | null | undefined;
  info: AppInfo | undefined;
  children: ReactNode;
}) {
  const online = useOnline();
  const current = (name: Route['name']) =>
    props.route.name === name ? ('page' as const) : undefined;
  const nav =
    'rounded-full px-3 py-2 text-sm font-medium hover:bg-zinc-200 dark:hover:bg-zinc-800 aria-[current=page]:bg-zinc-200 dark:aria-[current=page]:bg-zinc-800';
  return (
    <div className="mx-auto flex min-h-dvh max-w-lg flex-col px-4 pb-10">
      <header className="flex items-center justify-between gap-2 py-3">
        <Link to="/" className="-ml-1 flex items-center gap-2 rounded-lg p-1 text-xl font-bold">
          <Logo />
          Lasso
        </Link>
        <nav aria-label="Main" className="flex items-center gap-1">
          {props.me ? (
            <Link to="/history" className={nav} aria-current={current('history')}>
              History
            </Link>
          ) : null}
          <Link to="/privacy" className={nav} aria-current={current('privacy')}>
            Privacy
          </Link>
        </nav>
      </header>
      <div className="space-y-3">
        {props.info?.demo ? (
          <Banner tone="info" title="Demo: a simulated Last.fm">
            Sign in as one of the offered guests, then follow{' '}
            <strong>{props.info.demo_host ?? 'the demo host'}</strong>. Nothing reaches the real
            Last.fm.
          </Banner>
        ) : null}
        {!online ? (
          <Banner tone="warning" title="You are offline">
            Lasso goes on adding the host’s tracks at the server. This page catches up when you are
            back online.
          </Banner>
        ) : null}
      </div>
      <main id="main" className="mt-4 flex-1">
        {props.children}
      </main>
    </div>
  );
}
