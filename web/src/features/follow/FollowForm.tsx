/**
 * Start following: the host's username with instant format checks, the now-playing switch, the
 * last hosts one tap each, and the catch-up. The server's refusals are shown in words.
 */
import { useState } from 'react';
import type { FormEvent } from 'react';
import type { AppInfo } from '../../../../contract/index.js';
import { MIRROR_NOW_PLAYING_DEFAULT } from '../../../../contract/constants.js';
import { ApiError } from '../../api/client.js';
import { useStart } from '../../api/mutations.js';
import type { StartInput } from '../../api/mutations.js';
import { useHistory } from '../../api/queries.js';
import { Switch } from '../../components/Switch.js';
import { apiErrorText } from '../../lib/words.js';
import { CatchUp } from './CatchUp.js';
import { usernameProblem } from './username.js';

/** How many recent hosts are offered. */
const RECENT_HOSTS = 4;

/**
 * The hosts to offer one tap each: the last ones the guest followed, newest first, each once
 * (Last.fm names ignore case), and in demo mode the demo host.
 */
function useSuggestedHosts(
  exclude: string | null,
  demoHost: string | null,
): { hosts: string[]; heading: string } {
  const history = useHistory(1, 20);
  const past = (history.data?.follows ?? []).map((f) => f.target_username);
  const seen = new Set<string>(exclude ? [exclude.toLowerCase()] : []);
  const hosts: string[] = [];
  for (const name of [...past, demoHost]) {
    if (name === null || seen.has(name.toLowerCase())) continue;
    seen.add(name.toLowerCase());
    hosts.push(name);
  }
  const onlyPast = hosts.every((h) => past.includes(h));
  return {
    hosts: hosts.slice(0, RECENT_HOSTS),
    heading: onlyPast ? 'Follow again' : 'Quick follow',
  };
}

/** The follow form. `initialHost` pre-fills it (an invite); `onStarted` runs after a start. */
export function FollowForm(props: {
  me: string;
  info: AppInfo;
  initialHost?: string;
  currentHost?: string | null;
  onStarted?: () => void;
}) {
  const [host, setHost] = useState(props.initialHost ?? '');
  const [touched, setTouched] = useState(false);
  const [mirrorNowPlaying, setMirrorNowPlaying] = useState(MIRROR_NOW_PLAYING_DEFAULT);
  const start = useStart(props.onStarted);
  const suggested = useSuggestedHosts(props.currentHost ?? null, props.info.demo_host);
  const problem = usernameProblem(host, props.me);
  const showProblem = touched && host.trim() !== '' ? problem : null;

  const follow = (input: StartInput) => start.mutate(input);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setTouched(true);
    if (problem) return;
    follow({ target_username: host.trim(), mirror_now_playing: mirrorNowPlaying });
  };

  const error = start.error instanceof ApiError ? start.error : null;
  const asked = start.variables?.target_username;
  return (
    <div>
      <form onSubmit={submit} noValidate>
        <label htmlFor="host" className="mb-1 block font-medium">
          Host’s Last.fm username
        </label>
        <input
          id="host"
          name="host"
          className="field"
          value={host}
          onInput={(e) => {
            setHost(e.currentTarget.value);
            setTouched(true);
            start.reset();
          }}
          autoComplete="off"
          autoCapitalize="none"
          autoCorrect="off"
          spellcheck={false}
          enterKeyHint="go"
          maxLength={80}
          aria-invalid={showProblem ? true : undefined}
          aria-describedby="host-hint"
          placeholder="e.g. maya_plays"
        />
        <p
          id="host-hint"
          className={`mt-1 min-h-5 text-sm ${showProblem ? 'text-rose-700 dark:text-rose-300' : 'muted'}`}
        >
          {showProblem ?? 'The person whose Spotify plays the jam.'}
        </p>
        <Switch
          label="Also show what’s playing on my profile"
          checked={mirrorNowPlaying}
          onChange={setMirrorNowPlaying}
          hint="Your Last.fm shows the host’s current track as “now playing” too."
        />
        {error ? (
          <p role="alert" className="mt-2 text-sm font-medium text-rose-700 dark:text-rose-300">
            {apiErrorText(error.code, error.details, asked)}
          </p>
        ) : null}
        <button
          type="submit"
          className="btn-primary mt-3 w-full"
          disabled={start.isPending}
          aria-busy={start.isPending}
        >
          {start.isPending ? 'Following…' : 'Follow'}
        </button>
      </form>

      {suggested.hosts.length > 0 ? (
        <div className="mt-5">
          <h3 className="muted mb-2 text-sm font-medium">{suggested.heading}</h3>
          <ul className="flex flex-wrap gap-2">
            {suggested.hosts.map((name) => (
              <li key={name}>
                <button
                  type="button"
                  className="btn-secondary min-h-11 px-4 text-sm"
                  aria-label={`Follow ${name}`}
                  disabled={start.isPending}
                  onClick={() => {
                    setHost(name);
                    follow({ target_username: name, mirror_now_playing: mirrorNowPlaying });
                  }}
                >
                  {name}
                </button>
              </li>
            ))}
          </ul>
        </div>
      ) : null}

      <CatchUp
        host={host}
        hostProblem={problem}
        limits={props.info}
        busy={start.isPending}
        onConfirm={(since) =>
          follow({
            target_username: host.trim(),
            mirror_now_playing: mirrorNowPlaying,
            catch_up_since: since,
          })
        }
      />
    </div>
  );
}
