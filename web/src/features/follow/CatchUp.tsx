/**
 * "I joined late…": the guest picks when they joined, sees exactly which of the host's tracks
 * would be added, and confirms. Nothing is added before the confirm.
 */
import { useState } from 'react';
import type { AppInfo, CatchUpPreview } from '../../../../contract/index.js';
import { ApiError } from '../../api/client.js';
import { useCatchUpPreview } from '../../api/queries.js';
import { Banner } from '../../components/Banner.js';
import { Loading } from '../../components/Loading.js';
import { latestAtClock, scrobbleTime, timeInputValue, tracks } from '../../lib/time.js';
import { apiErrorText } from '../../lib/words.js';

const DEFAULT_LATE_MS = 30 * 60_000;

/** The catch-up panel for `host`; `onConfirm` starts the follow from the previewed time. */
export function CatchUp(props: {
  host: string;
  hostProblem: string | null;
  limits: Pick<AppInfo, 'catch_up_max_hours' | 'catch_up_max_scrobbles'>;
  busy: boolean;
  onConfirm: (since: number) => void;
}) {
  const [time, setTime] = useState(() => timeInputValue(Date.now() - DEFAULT_LATE_MS));
  const [asked, setAsked] = useState<{ host: string; since: number } | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const preview = useCatchUpPreview(asked?.host ?? '', asked?.since ?? null);

  const show = () => {
    const since = latestAtClock(time);
    if (props.hostProblem) return setProblem(props.hostProblem);
    if (since === null) return setProblem('Pick the time you joined.');
    if (Date.now() - since > props.limits.catch_up_max_hours * 3_600_000) {
      return setProblem(`Lasso can go back at most ${props.limits.catch_up_max_hours} hours.`);
    }
    setProblem(null);
    setAsked({ host: props.host.trim(), since });
  };

  // A preview is only valid for the host and time it was asked for.
  const current = asked !== null && asked.host === props.host.trim() ? preview.data : undefined;
  const error = preview.error instanceof ApiError ? preview.error : null;

  return (
    <details className="group mt-4 rounded-xl ring-1 ring-zinc-200 dark:ring-zinc-800">
      <summary className="flex min-h-12 cursor-pointer list-none items-center justify-between px-4 font-medium">
        I joined late…
        <span aria-hidden="true" className="muted transition-transform group-open:rotate-180">
          ▾
        </span>
      </summary>
      <div className="space-y-3 px-4 pb-4">
        <p className="muted text-sm">
          Add the host’s tracks from when you joined (at most {props.limits.catch_up_max_hours}{' '}
          hours back, {props.limits.catch_up_max_scrobbles} tracks). You will see them before
          anything is added.
        </p>
        {/* Side by side where there is room; stacked on a phone, so the time shows whole. */}
        <div className="flex flex-col gap-3 sm:flex-row sm:items-end">
          <label className="sm:flex-1">
            <span className="mb-1 block text-sm font-medium">When did you join?</span>
            <input
              type="time"
              className="field"
              value={time}
              onInput={(e) => setTime(e.currentTarget.value)}
            />
          </label>
          <button
            type="button"
            className="btn-secondary w-full whitespace-nowrap sm:w-auto"
            onClick={show}
          >
            Show tracks
          </button>
        </div>
        {problem ? (
          <p role="alert" className="text-sm text-rose-700 dark:text-rose-300">
            {problem}
          </p>
        ) : null}
        {asked && preview.isFetching ? <Loading label="Reading the host’s tracks…" /> : null}
        {error ? (
          <Banner tone="danger" title="No preview" alert>
            {apiErrorText(error.code, error.details, asked?.host)}
          </Banner>
        ) : null}
        {current && !preview.isFetching ? (
          <CatchUpList preview={current} busy={props.busy} onConfirm={props.onConfirm} />
        ) : null}
      </div>
    </details>
  );
}

/** The previewed tracks and the confirm; tracks Lasso will not copy say why. */
function CatchUpList(props: {
  preview: CatchUpPreview;
  busy: boolean;
  onConfirm: (since: number) => void;
}) {
  const { preview } = props;
  const added = preview.scrobbles.filter((s) => s.not_added === null).length;
  const skipped = preview.scrobbles.length - added;
  return (
    <div>
      <p className="font-medium" role="status">
        {added === 0 && skipped === 0
          ? `${preview.target_username} scrobbled nothing since then.`
          : `${tracks(added)} would be added`}
      </p>
      {preview.capped ? (
        <p className="muted text-sm">
          {preview.total} were played since then; only the newest {preview.scrobbles.length} are
          added.
        </p>
      ) : null}
      {skipped > 0 ? (
        <p className="muted text-sm">
          {tracks(skipped)} cannot be copied: {skipped === 1 ? 'it shows' : 'they show'} as not
          added.
        </p>
      ) : null}
      <ol className="mt-2 max-h-72 divide-y divide-zinc-200 overflow-y-auto dark:divide-zinc-800">
        {preview.scrobbles.map((s) => (
          <li key={`${s.timestamp}-${s.artist}-${s.track}`} className="flex gap-3 py-2 text-sm">
            <span className="muted w-20 shrink-0 whitespace-nowrap tabular-nums">
              {scrobbleTime(s.timestamp)}
            </span>
            <span className="min-w-0">
              <span className="block truncate font-medium">{s.track}</span>
              <span className="muted block truncate">{s.artist}</span>
              {s.not_added === null ? null : (
                <span className="block text-amber-800 dark:text-amber-300">
                  Not added: {s.not_added}
                </span>
              )}
            </span>
          </li>
        ))}
      </ol>
      <button
        type="button"
        className="btn-primary mt-3 w-full"
        disabled={props.busy}
        onClick={() => props.onConfirm(preview.since)}
      >
        {added === 0 ? `Follow ${preview.target_username}` : `Add ${tracks(added)} and follow`}
      </button>
    </div>
  );
}
