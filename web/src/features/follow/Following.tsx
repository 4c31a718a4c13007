/**
 * The follow in progress: the host, what is playing, how many tracks reached the guest's
 * profile, Pause/Resume/Stop, and the live list of this follow's scrobbles.
 */
import type { AppInfo, StatusResponse } from '../../../../contract/index.js';
import { ApiError } from '../../api/client.js';
import type { LiveState } from '../../api/live.js';
import { useFollowAction } from '../../api/mutations.js';
import { Link } from '../../app/router.js';
import { Artwork } from '../../components/Artwork.js';
import { ScrobbleItem } from '../../components/ScrobbleItem.js';
import { clockTime, tracks } from '../../lib/time.js';
import { apiErrorText } from '../../lib/words.js';
import { StatusBanners } from './StatusBanners.js';

const LIVE_TEXT: Partial<Record<LiveState, string>> = {
  connecting: 'Connecting…',
  reconnecting: 'Reconnecting…',
  polling: 'Reconnecting… (checking every 10 seconds meanwhile)',
};

/** The following screen for a status whose state is active or paused. */
export function Following(props: { status: StatusResponse; info: AppInfo; live: LiveState }) {
  const { status } = props;
  const host = status.target_username ?? '';
  const pause = useFollowAction('pause');
  const resume = useFollowAction('resume');
  const stop = useFollowAction('stop');
  const busy = pause.isPending || resume.isPending || stop.isPending;
  const failed = [pause.error, resume.error, stop.error].find((e) => e instanceof ApiError);
  const active = status.state === 'active';
  const waiting = status.counts.pending + status.counts.held;

  return (
    <section aria-labelledby="following-title" className="space-y-4">
      <header className="flex items-center gap-3">
        <Artwork src={status.target_image_url} size="md" round initials={host} />
        <div className="min-w-0 flex-1">
          <p className="muted text-sm">Following</p>
          <h1 id="following-title" className="truncate text-2xl font-bold">
            {host}
          </h1>
        </div>
        <span
          className={`rounded-full px-3 py-1 text-sm font-semibold ${
            active
              ? 'bg-emerald-100 text-emerald-900 dark:bg-emerald-900/60 dark:text-emerald-100'
              : 'bg-zinc-200 text-zinc-800 dark:bg-zinc-800 dark:text-zinc-200'
          }`}
        >
          {active ? 'Live' : 'Paused'}
        </span>
      </header>
      {LIVE_TEXT[props.live] ? (
        <p className="muted text-sm" role="status">
          {LIVE_TEXT[props.live]}
        </p>
      ) : null}

      <StatusBanners status={status} info={props.info} />

      <div className="card flex items-center gap-4">
        {status.now_playing ? (
          <>
            <Artwork src={status.now_playing.image_url} size="lg" />
            <div className="min-w-0">
              <p className="text-sm font-medium text-accent-strong dark:text-rose-300">
                Playing now
              </p>
              <p className="truncate text-lg font-semibold">{status.now_playing.track}</p>
              <p className="muted truncate">{status.now_playing.artist}</p>
              {status.now_playing.album ? (
                <p className="muted truncate text-sm">{status.now_playing.album}</p>
              ) : null}
            </div>
          </>
        ) : (
          <p className="muted">
            {active ? `Nothing is playing on ${host}’s account right now.` : 'Paused.'}
          </p>
        )}
      </div>

      <dl className="grid grid-cols-2 gap-3">
        <div className="card">
          <dt className="muted text-sm">Added to your profile</dt>
          <dd className="text-3xl font-bold tabular-nums">{status.scrobble_count}</dd>
        </div>
        <div className="card">
          <dt className="muted text-sm">Waiting</dt>
          <dd className="text-3xl font-bold tabular-nums">{waiting}</dd>
        </div>
      </dl>

      {failed ? (
        <p role="alert" className="text-sm font-medium text-rose-700 dark:text-rose-300">
          {apiErrorText(failed.code, failed.details)}
        </p>
      ) : null}
      <div className="grid grid-cols-2 gap-3">
        {active ? (
          <button
            type="button"
            className="btn-secondary"
            disabled={busy}
            onClick={() => pause.mutate()}
          >
            Pause
          </button>
        ) : (
          <button
            type="button"
            className="btn-primary"
            disabled={busy}
            onClick={() => resume.mutate()}
          >
            Resume
          </button>
        )}
        <button
          type="button"
          className="btn-secondary"
          disabled={busy}
          onClick={() => stop.mutate()}
        >
          Stop
        </button>
      </div>
      <p className="muted text-sm leading-relaxed">
        Each track {host} scrobbles while you are in the jam is added to your profile with its
        original time, once. The track playing when you start or resume counts too, if you joined
        before its middle. You can lock your phone: it goes on at the server.
        {status.started_at !== null ? ` Following since ${clockTime(status.started_at)}.` : ''}
      </p>

      <section aria-labelledby="scrobbles-title">
        <div className="flex items-baseline justify-between">
          <h2 id="scrobbles-title" className="text-lg font-semibold">
            Scrobbles
          </h2>
          {status.follow_id ? (
            <Link to={`/history/${status.follow_id}`} className="link text-sm">
              All {tracks(status.counts.mirrored + status.counts.ignored + waiting)}
            </Link>
          ) : null}
        </div>
        {status.recent_scrobbles.length === 0 ? (
          <p className="muted py-4 text-sm">
            Nothing yet. Tracks appear here as {host} scrobbles them, usually when each one ends.
          </p>
        ) : null}
        <ul
          aria-labelledby="scrobbles-title"
          aria-live="polite"
          className="divide-y divide-zinc-200 dark:divide-zinc-800"
        >
          {status.recent_scrobbles.map((s) => (
            <ScrobbleItem
              key={`${s.timestamp}-${s.artist}-${s.track}`}
              scrobble={s}
              heldUntil={status.held_until}
            />
          ))}
        </ul>
      </section>
    </section>
  );
}
