/**
 * Changing server state: follow, pause, resume, stop, sign in and out, disconnect. Each
 * mutation refreshes what it changed from the server rather than guessing the new state.
 */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type {
  AuthInitResponse,
  DisconnectResponse,
  StartRequest,
  StartResponse,
  StateChangeResponse,
} from '../../../contract/index.js';
import { apiPost } from './client.js';
import { keys } from './keys.js';

/** Leaving the app for another site (Last.fm's consent page); tests replace `assign`. */
export const browser = {
  assign(url: string): void {
    window.location.assign(url);
  },
};

/** The body of a start, with the contract's defaults left to the server. */
export type StartInput = Pick<StartRequest, 'target_username'> &
  Partial<Pick<StartRequest, 'mirror_now_playing' | 'catch_up_since'>>;

/**
 * Starts following a host (switching away from any current one). `onStarted` runs even when
 * the form that asked is gone by then (the status it refreshes may replace the screen).
 */
export function useStart(onStarted?: () => void) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (input: StartInput) => apiPost<StartResponse>('/api/session/start', input),
    onSuccess: () => onStarted?.(),
    onSettled: () =>
      Promise.all([
        client.invalidateQueries({ queryKey: keys.status }),
        client.invalidateQueries({ queryKey: keys.history }),
      ]),
  });
}

/** Pause, resume or stop the current follow (idempotent on the server). */
export function useFollowAction(action: 'pause' | 'resume' | 'stop') {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => apiPost<StateChangeResponse>(`/api/session/${action}`),
    onSettled: () =>
      Promise.all([
        client.invalidateQueries({ queryKey: keys.status }),
        client.invalidateQueries({ queryKey: keys.history }),
      ]),
  });
}

/** Starts Last.fm sign-in and sends the browser there; `returnTo` is where to land after. */
export function useSignIn() {
  return useMutation({
    mutationFn: async (returnTo?: string) => {
      const { auth_url } = await apiPost<AuthInitResponse>(
        '/api/auth/init',
        returnTo && returnTo !== '/' ? { return_to: returnTo } : {},
      );
      browser.assign(auth_url);
    },
  });
}

/** Signs this browser out (a running follow goes on at the server). */
export function useSignOut() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => apiPost<{ success: true }>('/api/auth/logout'),
    onSuccess: () => {
      client.setQueryData(keys.me, null);
      client.removeQueries({ queryKey: keys.status });
      client.removeQueries({ queryKey: keys.history });
    },
  });
}

/** Deletes everything Lasso holds about the guest and signs every browser out. */
export function useDisconnect() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => apiPost<DisconnectResponse>('/api/auth/disconnect'),
    onSuccess: () => {
      client.setQueryData(keys.me, null);
      client.removeQueries({ queryKey: keys.status });
      client.removeQueries({ queryKey: keys.history });
    },
  });
}
