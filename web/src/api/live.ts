/**
 * The live feed: the guest's server-sent events. Every event (and every (re)connection) makes
 * the status be read again, so the screen always agrees with GET /api/session/status instead of
 * patching a copy. EventSource reconnects by itself and resumes with Last-Event-ID; when the
 * stream is refused outright (closed), status is polled and the stream retried with back-off.
 */
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import type { SessionEventName } from '../../../contract/index.js';
import { keys } from './keys.js';

/** Where the live feed stands: `live`, `reconnecting` (EventSource retrying) or `polling`. */
export type LiveState = 'off' | 'connecting' | 'live' | 'reconnecting' | 'polling';

/** Every event the stream sends; the record makes a new contract event fail the type check. */
const EVENTS: Record<SessionEventName, { history: boolean }> = {
  mirrored: { history: true },
  ignored: { history: true },
  now_playing: { history: false },
  state_changed: { history: true },
  held: { history: true },
};

/** How long to wait before opening a refused stream again, by attempt (ms). */
const RETRY_MS = [5_000, 10_000, 30_000, 60_000];
/** Events arrive in bursts (a batch settles at once): read the status once per burst. */
const DEBOUNCE_MS = 200;
/**
 * And once more after this long: this server instance drops its cached status before sending
 * an event, but the read may reach another instance, whose copy lives up to a second.
 */
const SETTLE_MS = 1_200;

/** Keeps the guest's event stream open while `enabled`; returns its state. */
export function useLive(enabled: boolean): LiveState {
  const client = useQueryClient();
  const [state, setState] = useState<LiveState>(enabled ? 'connecting' : 'off');

  useEffect(() => {
    if (!enabled || typeof EventSource === 'undefined') {
      setState(enabled ? 'polling' : 'off');
      return;
    }
    let source: EventSource | null = null;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let debounce: ReturnType<typeof setTimeout> | undefined;
    let settle: ReturnType<typeof setTimeout> | undefined;
    let attempts = 0;
    let historyDirty = false;

    const read = () => {
      void client.invalidateQueries({ queryKey: keys.status });
      if (historyDirty) void client.invalidateQueries({ queryKey: keys.history });
      historyDirty = false;
    };
    const refresh = (history: boolean) => {
      historyDirty ||= history;
      clearTimeout(debounce);
      clearTimeout(settle);
      debounce = setTimeout(read, DEBOUNCE_MS);
      settle = setTimeout(read, SETTLE_MS);
    };

    const open = () => {
      source = new EventSource('/api/session/events');
      source.onopen = () => {
        attempts = 0;
        setState('live');
        refresh(true);
      };
      source.onerror = () => {
        if (source?.readyState === EventSource.CLOSED) {
          source = null;
          setState('polling');
          retry = setTimeout(open, RETRY_MS[Math.min(attempts, RETRY_MS.length - 1)]);
          attempts += 1;
        } else {
          setState('reconnecting');
        }
      };
      for (const [name, effect] of Object.entries(EVENTS)) {
        source.addEventListener(name, () => refresh(effect.history));
      }
    };

    setState('connecting');
    open();
    return () => {
      clearTimeout(retry);
      clearTimeout(debounce);
      clearTimeout(settle);
      source?.close();
    };
  }, [enabled, client]);

  return state;
}

/** Whether the browser believes it is online, kept current. */
export function useOnline(): boolean {
  const [online, setOnline] = useState(() => navigator.onLine);
  useEffect(() => {
    const on = () => setOnline(true);
    const off = () => setOnline(false);
    window.addEventListener('online', on);
    window.addEventListener('offline', off);
    return () => {
      window.removeEventListener('online', on);
      window.removeEventListener('offline', off);
    };
  }, []);
  return online;
}
