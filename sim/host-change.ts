/** Applies a host's player change to the emulator (in-process or in the worker). */
import type { EmulatorHandle } from '../emulator/server.js';
import type { HostChange } from './listening.js';

/** The emulator controls a host change needs. */
export type HostControls = Pick<
  EmulatorHandle,
  'setNowPlaying' | 'clearNowPlaying' | 'addScrobble'
>;

/** Makes Last.fm show what the host's player just did. */
export function applyHostChange(emu: HostControls, host: string, change: HostChange): void {
  switch (change.kind) {
    case 'now-playing': {
      const { artist, track, album, durationS } = change.song;
      emu.setNowPlaying(host, { artist, track, album, duration: durationS });
      return;
    }
    case 'clear-now-playing':
      emu.clearNowPlaying(host);
      return;
    case 'scrobble':
      emu.addScrobble(host, change.scrobble);
      return;
  }
}
