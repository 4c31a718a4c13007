/** The emulator's public surface for tests, benchmarks and the demo mode. */
export { startEmulator } from './server.js';
export type { EmulatorHandle } from './server.js';
export type { UserSummary } from './controller.js';
export type { ListenerStatus } from './listener.js';
export { DEFAULT_QUIRKS } from './quirks.js';
export { ControlError } from './errors.js';
export type * from './types.js';
