/** The instant checks of the host field, the same rule the server's contract applies. */
import { USERNAME_PATTERN } from '../../../../contract/constants.js';

/** What is wrong with `value` as a host's username, or null when it may be one. */
export function usernameProblem(value: string, me: string | undefined): string | null {
  const name = value.trim();
  if (name === '') return 'Enter the host’s Last.fm username.';
  if (name.length > 64) return 'A Last.fm username has at most 64 characters.';
  if (!USERNAME_PATTERN.test(name)) {
    return 'A Last.fm username has only letters, digits, “_”, “.” and “-”.';
  }
  if (me !== undefined && name.toLowerCase() === me.toLowerCase()) {
    return 'That is you. Enter the host’s username: the person whose Spotify plays the jam.';
  }
  return null;
}
