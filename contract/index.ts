/**
 * The HTTP contract of Lasso: zod schemas and types of every request and response, shared by
 * the server (validation and serialization), the web app and the tests. Imports nothing from
 * the server. Conventions (snake_case, time units, ids) are in `common.ts`.
 */
export * from './constants.js';
export * from './common.js';
export * from './auth.js';
export * from './session.js';
export * from './history.js';
export * from './events.js';
export * from './ops.js';
