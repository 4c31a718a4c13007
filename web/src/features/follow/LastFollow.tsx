/** One line about the follow that just ended: whom, when, how many tracks were added. */
import type { StatusResponse } from '../../../../contract/index.js';
import { Link } from '../../app/router.js';
import { rangeText, tracks } from '../../lib/time.js';

/** The summary of a stopped follow, linking to its history. */
export function LastFollow(props: { status: StatusResponse }) {
  const s = props.status;
  if (s.state !== 'stopped' || s.target_username === null || s.started_at === null) return null;
  const notAdded = s.counts.ignored;
  return (
    <p className="muted text-sm">
      Last follow:{' '}
      <span className="font-medium text-zinc-900 dark:text-zinc-100">{s.target_username}</span>,{' '}
      {rangeText(s.started_at, s.ended_at)} · {tracks(s.scrobble_count)} added
      {notAdded > 0 ? ` · ${notAdded} not added` : ''}
      {s.follow_id ? (
        <>
          {' · '}
          <Link to={`/history/${s.follow_id}`} className="link">
            details
          </Link>
        </>
      ) : null}
    </p>
  );
}
