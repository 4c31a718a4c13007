/** The dependencies the API routes cannot do without, checked once when they are registered. */
import type { EngineApi } from '../../engine/engine-api.js';
import type { LastfmApi } from '../../lastfm/types.js';
import type { Db } from '../../store/db.js';
import type { KeyBox } from '../crypto.js';
import type { AppDeps } from '../deps.js';

/** `AppDeps` with the store, engine, key box and Last.fm client present. */
export interface ApiDeps extends AppDeps {
  db: Db;
  engine: EngineApi;
  keyBox: KeyBox;
  lastfm: LastfmApi;
}

/** Narrows `deps` to `ApiDeps`; throws at start-up (not at the first request) if one is missing. */
export function apiDeps(deps: AppDeps): ApiDeps {
  const { db, engine, keyBox, lastfm } = deps;
  if (db && engine && keyBox && lastfm) return { ...deps, db, engine, keyBox, lastfm };
  const missing = Object.entries({ db, engine, keyBox, lastfm })
    .filter(([, value]) => value === undefined)
    .map(([name]) => name);
  throw new Error(`the API routes need AppDeps ${missing.join(', ')}`);
}
