/** The dependencies the API routes cannot do without, checked once when they are registered. */
import type { EngineApi } from '../../engine/engine-api.js';
import type { LastfmApi } from '../../lastfm/types.js';
import type { Db } from '../../store/db.js';
import type { SessionCache } from '../auth/session-cache.js';
import type { KeyBox } from '../crypto.js';
import type { AppDeps } from '../deps.js';
import type { StatusCache } from './status-cache.js';

/** `AppDeps` with the store, engine, key box, Last.fm client and caches present. */
export interface ApiDeps extends AppDeps {
  db: Db;
  engine: EngineApi;
  keyBox: KeyBox;
  lastfm: LastfmApi;
  sessionCache: SessionCache;
  statusCache: StatusCache;
}

/**
 * Narrows `deps` to `ApiDeps`; throws at start-up (not at the first request) if one is missing.
 * (`buildApp` always supplies the caches.)
 */
export function apiDeps(deps: AppDeps): ApiDeps {
  const { db, engine, keyBox, lastfm, sessionCache, statusCache } = deps;
  if (db && engine && keyBox && lastfm && sessionCache && statusCache) {
    return { ...deps, db, engine, keyBox, lastfm, sessionCache, statusCache };
  }
  const missing = Object.entries({ db, engine, keyBox, lastfm, sessionCache, statusCache })
    .filter(([, value]) => value === undefined)
    .map(([name]) => name);
  throw new Error(`the API routes need AppDeps ${missing.join(', ')}`);
}
