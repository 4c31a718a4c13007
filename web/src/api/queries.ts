/**
 * Reading server state: one hook per request, over the contract's types. Server state lives in
 * the query cache only; screens never copy it into their own state.
 */
import { useQuery } from '@tanstack/react-query';
import type { QueryClient } from '@tanstack/react-query';
import type {
  AppInfo,
  CatchUpPreview,
  HistoryDetailResponse,
  HistoryResponse,
  MeResponse,
  StatusResponse,
} from '../../../contract/index.js';
import { ApiError, apiGet } from './client.js';
import { keys } from './keys.js';

/** The deployment's facts (demo mode, limits); public, fetched once. */
export function useInfo() {
  return useQuery({
    queryKey: keys.info,
    queryFn: () => apiGet<AppInfo>('/api/info'),
    staleTime: Infinity,
  });
}

/** Remembers in this browser that someone was signed in, so the next load can start early. */
const SIGNED_IN_HINT = 'lasso:signed-in';

function remember(signedIn: boolean): void {
  try {
    if (signedIn) localStorage.setItem(SIGNED_IN_HINT, '1');
    else localStorage.removeItem(SIGNED_IN_HINT);
  } catch {
    // Storage may be off (private mode): the hint only saves a round trip.
  }
}

/** True when this browser was signed in at its last look. */
export function probablySignedIn(): boolean {
  try {
    return localStorage.getItem(SIGNED_IN_HINT) === '1';
  } catch {
    return false;
  }
}

/** Fetches the status now, before the app knows who is signed in (see `probablySignedIn`). */
export function prefetchStatus(client: QueryClient): void {
  void client.prefetchQuery({
    queryKey: keys.status,
    queryFn: () => apiGet<StatusResponse>('/api/session/status'),
  });
}

/** Who is signed in: the account, or null when signed out. */
export function useMe() {
  return useQuery({
    queryKey: keys.me,
    queryFn: async (): Promise<MeResponse | null> => {
      try {
        const me = await apiGet<MeResponse>('/api/me');
        remember(true);
        return me;
      } catch (err) {
        if (err instanceof ApiError && err.signedOut) {
          remember(false);
          return null;
        }
        throw err;
      }
    },
    staleTime: 5 * 60_000,
  });
}

/** How soon to look again while a new follow's host has not been read yet. */
const FIRST_READ_POLL_MS = 1_500;

/** True while a follow runs and Lasso has not read its host since it started. */
export function awaitingFirstRead(s: StatusResponse | undefined): boolean {
  if (s?.state !== 'active' || s.started_at === null) return false;
  return s.last_poll === null || s.last_poll < s.started_at;
}

/**
 * The guest's follow as the server sees it. The live stream invalidates it on every event;
 * `pollMs` polls instead while the stream is down. Right after a start the host's first read
 * may change nothing the stream reports (what is playing was already known), so the status is
 * read again until it has happened.
 */
export function useStatus(options: { enabled: boolean; pollMs?: number | false }) {
  return useQuery({
    queryKey: keys.status,
    queryFn: () => apiGet<StatusResponse>('/api/session/status'),
    enabled: options.enabled,
    refetchInterval: (query) =>
      awaitingFirstRead(query.state.data) ? FIRST_READ_POLL_MS : (options.pollMs ?? false),
  });
}

/** A page of past follows, newest first. */
export function useHistory(page = 1, perPage = 20, enabled = true) {
  return useQuery({
    queryKey: keys.historyPage(page),
    queryFn: () => apiGet<HistoryResponse>(`/api/session/history?page=${page}&per_page=${perPage}`),
    enabled,
  });
}

/** One past follow with a page of its scrobbles. */
export function useHistoryDetail(id: string, page = 1) {
  return useQuery({
    queryKey: keys.historyDetail(id, page),
    queryFn: () =>
      apiGet<HistoryDetailResponse>(
        `/api/session/history/${encodeURIComponent(id)}?page=${page}&per_page=100`,
      ),
  });
}

/** What a catch-up from `since` would add (run only when the guest asks for the preview). */
export function useCatchUpPreview(host: string, since: number | null) {
  return useQuery({
    queryKey: keys.catchUp(host, since ?? 0),
    queryFn: () =>
      apiGet<CatchUpPreview>(
        `/api/session/catch-up?target_username=${encodeURIComponent(host)}&since=${since ?? 0}`,
      ),
    enabled: since !== null && host !== '',
    staleTime: 30_000,
    retry: false,
  });
}
