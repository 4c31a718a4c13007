/**
 * Every time field the API describes names its unit: instants are epoch milliseconds, scrobble
 * timestamps UNIX seconds, and a reader of /api/openapi.json must not have to guess which.
 */
import { afterEach, expect, it } from 'vitest';
import { describeEachDatabase } from '../../store/test-support/databases.js';
import type { ApiTestApp } from '../test-support/api.js';
import { buildApiTestApp } from '../test-support/api.js';

/** Names of fields that hold a time (`exported_at` and `catch_up_since` included). */
const TIME_FIELD = /(_at|until|since|timestamp|last_poll)$/;
const UNIT = /milliseconds|seconds/;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** The descriptions on a schema and its nullable/union variants. */
function descriptions(schema: Json): string[] {
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) return [];
  const own = typeof schema.description === 'string' ? [schema.description] : [];
  const variants = [schema.anyOf, schema.oneOf, schema.allOf].flatMap((v) =>
    Array.isArray(v) ? v.flatMap(descriptions) : [],
  );
  return [...own, ...variants];
}

/** Every time field in the document, as `where → descriptions`. */
function timeFields(doc: Json, where = '#', found = new Map<string, string[]>()) {
  if (doc === null || typeof doc !== 'object') return found;
  if (Array.isArray(doc)) {
    doc.forEach((item, i) => timeFields(item, `${where}/${i}`, found));
    return found;
  }
  const props = doc.properties;
  if (props && typeof props === 'object' && !Array.isArray(props)) {
    for (const [name, schema] of Object.entries(props)) {
      if (TIME_FIELD.test(name)) found.set(`${where}/properties/${name}`, descriptions(schema));
    }
  }
  // Query and path parameters: `{name, in, schema, description?}`.
  if (typeof doc.name === 'string' && typeof doc.in === 'string' && TIME_FIELD.test(doc.name)) {
    const own = typeof doc.description === 'string' ? [doc.description] : [];
    found.set(`${where} (${doc.in} ${doc.name})`, [...own, ...descriptions(doc.schema ?? null)]);
  }
  for (const [key, value] of Object.entries(doc)) timeFields(value, `${where}/${key}`, found);
  return found;
}

describeEachDatabase('the OpenAPI description', (ctx) => {
  let t: ApiTestApp | undefined;
  afterEach(async () => {
    await t?.app.close();
    t = undefined;
  });

  it('names the unit of every time field (milliseconds or seconds)', async () => {
    t = await buildApiTestApp(ctx.db);
    const doc = (await t.app.inject({ url: '/api/openapi.json' })).json<Json>();
    const fields = timeFields(doc);
    const names = [...fields.keys()].map((k) => k.replace(/.*[/ ]/, '').replace(')', ''));
    // The walk sees the fields it is meant to judge.
    for (const name of [
      'started_at',
      'ended_at',
      'held_until',
      'last_poll',
      'timestamp',
      'since',
    ]) {
      expect(names).toContain(name);
    }
    for (const name of ['exported_at', 'sent_at', 'catch_up_since']) expect(names).toContain(name);
    const missing = [...fields].filter(([, texts]) => !texts.some((d) => UNIT.test(d)));
    expect(missing.map(([where]) => where)).toEqual([]);
  });
});
