/** Past follows, newest first: host, when, how many tracks were added, how each ended. */
import { useState } from 'react';
import { useHistory } from '../../api/queries.js';
import { Link } from '../../app/router.js';
import { Banner } from '../../components/Banner.js';
import { Loading } from '../../components/Loading.js';
import { dayText, rangeText, tracks } from '../../lib/time.js';
import { endingText } from './stopWords.js';

const PER_PAGE = 20;

/** The history list, paged. */
export function HistoryPage() {
  const [page, setPage] = useState(1);
  const history = useHistory(page, PER_PAGE);
  return (
    <section aria-labelledby="history-title" className="space-y-4">
      <h1 id="history-title" className="text-2xl font-bold">
        History
      </h1>
      {history.isPending ? <Loading /> : null}
      {history.isError ? (
        <Banner tone="danger" title="History could not be loaded" alert>
          Try again in a moment.
        </Banner>
      ) : null}
      {history.data && history.data.total === 0 ? (
        <p className="muted">
          No follows yet.{' '}
          <Link to="/" className="link">
            Join a jam
          </Link>{' '}
          and they show up here.
        </p>
      ) : null}
      <ul className="space-y-3">
        {history.data?.follows.map((f) => (
          <li key={f.id}>
            <Link
              to={`/history/${f.id}`}
              className="card block hover:ring-zinc-400 dark:hover:ring-zinc-600"
            >
              <span className="flex items-baseline justify-between gap-3">
                <span className="truncate text-lg font-semibold">{f.target_username}</span>
                <span className="muted shrink-0 text-sm">{dayText(f.started_at)}</span>
              </span>
              <span className="muted block text-sm">{rangeText(f.started_at, f.ended_at)}</span>
              <span className="mt-1 block text-sm">
                {tracks(f.counts.mirrored)} added
                {f.counts.ignored > 0 ? ` · ${f.counts.ignored} not added` : ''}
                {f.counts.pending + f.counts.held > 0
                  ? ` · ${f.counts.pending + f.counts.held} waiting`
                  : ''}
                {' · '}
                {endingText(f)}
              </span>
            </Link>
          </li>
        ))}
      </ul>
      {history.data && history.data.total > PER_PAGE ? (
        <nav aria-label="History pages" className="flex justify-between">
          <button
            type="button"
            className="btn-quiet"
            disabled={page === 1}
            onClick={() => setPage(page - 1)}
          >
            Newer
          </button>
          <button
            type="button"
            className="btn-quiet"
            disabled={page * PER_PAGE >= history.data.total}
            onClick={() => setPage(page + 1)}
          >
            Older
          </button>
        </nav>
      ) : null}
    </section>
  );
}
