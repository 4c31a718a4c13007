/**
 * A small client router over the History API: the app has five routes, which does not justify
 * a router library in the first-load budget. The server answers `index.html` for each of them.
 */
import { useSyncExternalStore } from 'react';
import type { MouseEvent, ReactNode } from 'react';

/** A screen of the app, parsed from the path. */
export type Route =
  | { name: 'home' }
  | { name: 'join'; username: string }
  | { name: 'history' }
  | { name: 'historyDetail'; id: string }
  | { name: 'privacy' }
  | { name: 'notFound' };

/** The route of a path (no query). */
export function parseRoute(pathname: string): Route {
  const path = pathname.replace(/\/+$/, '') || '/';
  if (path === '/') return { name: 'home' };
  if (path === '/history') return { name: 'history' };
  if (path === '/privacy') return { name: 'privacy' };
  const join = /^\/j\/([^/]+)$/.exec(path);
  if (join?.[1]) return { name: 'join', username: safeDecode(join[1]) };
  const detail = /^\/history\/([^/]+)$/.exec(path);
  if (detail?.[1]) return { name: 'historyDetail', id: safeDecode(detail[1]) };
  return { name: 'notFound' };
}

function safeDecode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

const NAVIGATE = 'lasso:navigate';

function subscribe(onChange: () => void): () => void {
  window.addEventListener('popstate', onChange);
  window.addEventListener(NAVIGATE, onChange);
  return () => {
    window.removeEventListener('popstate', onChange);
    window.removeEventListener(NAVIGATE, onChange);
  };
}

/** The current location (path and query), kept current. */
export function useLocation(): { pathname: string; search: string } {
  const pathname = useSyncExternalStore(subscribe, () => window.location.pathname);
  const search = useSyncExternalStore(subscribe, () => window.location.search);
  return { pathname, search };
}

/** Goes to `to` inside the app; `replace` does not add a history entry. */
export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (options.replace) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  window.dispatchEvent(new Event(NAVIGATE));
  window.scrollTo(0, 0);
}

/** An in-app link: a real `<a href>` (open in new tab works), navigated without a reload. */
export function Link(props: {
  to: string;
  className?: string;
  children: ReactNode;
  /** `undefined` is the usual value (not the current page), so callers pass it as is. */
  'aria-current'?: 'page' | undefined;
}) {
  const onClick = (event: MouseEvent<HTMLAnchorElement>) => {
    if (event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(props.to);
  };
  return (
    <a
      href={props.to}
      className={props.className}
      onClick={onClick}
      aria-current={props['aria-current']}
    >
      {props.children}
    </a>
  );
}
