/** Component test setup: a fresh DOM, fake EventSource and fetch per test, a fixed clock zone. */
import { cleanup } from '@testing-library/preact';
import { onlineManager } from '@tanstack/react-query';
import { afterEach, beforeEach, vi } from 'vitest';
import { FakeEventSource } from './event-source.js';

beforeEach(() => {
  FakeEventSource.instances = [];
  vi.stubGlobal('EventSource', FakeEventSource);
  window.history.replaceState(null, '', '/');
  // The window outlives one file when files share a worker (isolate: false): start each test
  // with empty storage, as a fresh window would.
  localStorage.clear();
  sessionStorage.clear();
});

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
  // A test that went offline must not leave the query layer paused for the next one.
  onlineManager.setOnline(true);
  vi.useRealTimers();
});
