/** A past follow's ending in a few words, for the history list. */
import type { FollowSummary } from '../../../../contract/index.js';

/** "Stopped by you", "Jam ended", …, or the live state of a follow still running. */
export function endingText(
  f: Pick<FollowSummary, 'state' | 'stop_reason' | 'pause_reason'>,
): string {
  if (f.state === 'active') return 'Following now';
  if (f.state === 'paused') {
    return f.pause_reason === 'already_scrobbling'
      ? 'Paused: your own account scrobbles'
      : 'Paused';
  }
  switch (f.stop_reason) {
    case 'stopped_by_user':
      return 'Stopped by you';
    case 'switched':
      return 'You switched host';
    case 'jam_ended':
      return 'Jam ended';
    case 'max_duration':
      return 'Reached the maximum time';
    case 'target_not_found':
      return 'Host gone from Last.fm';
    case 'target_private':
      return 'Host’s listening went private';
    case 'auth_revoked':
      return 'Lasso lost access to your Last.fm';
    case null:
      return 'Stopped';
  }
}
