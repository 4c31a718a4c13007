/** One past follow: its windows, counts, how it ended, and Last.fm's answer to each track. */
import { useHistoryDetail } from '../../api/queries.js';
import { ApiError } from '../../api/client.js';
import { Link } from '../../app/router.js';
import { Banner } from '../../components/Banner.js';
import { Loading } from '../../components/Loading.js';
import { ScrobbleItem } from '../../components/ScrobbleItem.js';
import { dayText, rangeText, tracks } from '../../lib/time.js';
import { endingText } from './stopWords.js';

/** The detail of follow `id`. */
export function HistoryDetailPage(props: { id: string }) {
  const detail = useHistoryDetail(props.id);
  if (detail.isPending) return <Loading />;
  if (detail.isError) {
    const missing = detail.error instanceof ApiError && detail.error.code === 'NOT_FOUND';
    return (
      <Banner
        tone="danger"
        title={missing ? 'No such follow' : 'This follow could not be loaded'}
        alert
      >
        <Link to="/history" className="link">
          Back to history
        </Link>
      </Banner>
    );
  }
  const { follow, scrobbles, total } = detail.data;
  return (
    <section aria-labelledby="detail-title" className="space-y-4">
      <Link to="/history" className="link text-sm">
        ← History
      </Link>
      <div>
        <h1 id="detail-title" className="text-2xl font-bold">
          {follow.target_username}
        </h1>
        <p className="muted">
          {dayText(follow.started_at)}, {rangeText(follow.started_at, follow.ended_at)} ·{' '}
          {endingText(follow)}
        </p>
      </div>
      <dl className="grid grid-cols-3 gap-3 text-center">
        {[
          ['Added', follow.counts.mirrored],
          ['Not added', follow.counts.ignored],
          ['Waiting', follow.counts.pending + follow.counts.held],
        ].map(([label, n]) => (
          <div key={label} className="card p-3">
            <dt className="muted text-sm">{label}</dt>
            <dd className="text-2xl font-bold tabular-nums">{n}</dd>
          </div>
        ))}
      </dl>
      {follow.windows.length > 1 ? (
        <p className="muted text-sm">
          In the jam: {follow.windows.map((w) => rangeText(w.started_at, w.ended_at)).join(', ')}
        </p>
      ) : null}
      <h2 className="text-lg font-semibold">{tracks(total)}</h2>
      {scrobbles.length === 0 ? (
        <p className="muted text-sm">No track was scrobbled by the host while you were in.</p>
      ) : (
        <ul className="divide-y divide-zinc-200 dark:divide-zinc-800">
          {scrobbles.map((s) => (
            <ScrobbleItem
              key={`${s.timestamp}-${s.artist}-${s.track}`}
              scrobble={s}
              heldUntil={null}
            />
          ))}
        </ul>
      )}
      {total > scrobbles.length ? (
        <p className="muted text-sm">
          The newest {scrobbles.length} are shown; Download my data has them all.
        </p>
      ) : null}
    </section>
  );
}
