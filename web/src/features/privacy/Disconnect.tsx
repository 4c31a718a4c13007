/**
 * Disconnect, with a confirm step that says what will be lost: Lasso deletes everything it holds
 * about the guest, and tracks not added yet are dropped, not sent.
 */
import { useState } from 'react';
import { ApiError } from '../../api/client.js';
import { useDisconnect } from '../../api/mutations.js';
import { useStatus } from '../../api/queries.js';
import { Banner } from '../../components/Banner.js';
import { tracks } from '../../lib/time.js';
import { apiErrorText } from '../../lib/words.js';

/** The disconnect control; `onDone` runs with how many waiting tracks were dropped. */
export function Disconnect(props: { onDone: (dropped: number) => void }) {
  const [confirming, setConfirming] = useState(false);
  const status = useStatus({ enabled: confirming });
  const disconnect = useDisconnect();
  const waiting = status.data ? status.data.counts.pending + status.data.counts.held : 0;
  const error = disconnect.error instanceof ApiError ? disconnect.error : null;

  if (!confirming) {
    return (
      <button type="button" className="btn-secondary w-full" onClick={() => setConfirming(true)}>
        Disconnect…
      </button>
    );
  }
  return (
    <Banner
      tone="danger"
      title="Disconnect Lasso from your Last.fm?"
      action={
        <div className="flex flex-wrap gap-3">
          <button
            type="button"
            className="btn-primary"
            disabled={disconnect.isPending}
            onClick={() =>
              disconnect.mutate(undefined, { onSuccess: (r) => props.onDone(r.dropped) })
            }
          >
            {disconnect.isPending ? 'Disconnecting…' : 'Yes, delete everything'}
          </button>
          <button type="button" className="btn-secondary" onClick={() => setConfirming(false)}>
            Cancel
          </button>
        </div>
      }
    >
      <p>
        Lasso stops any follow and deletes your account, its Last.fm key, your history and every
        scrobble it holds for you. What is already on your Last.fm profile stays there.
      </p>
      {waiting > 0 ? (
        <p className="mt-2 font-medium">
          {tracks(waiting)} not yet added to your profile will be dropped, not sent.
        </p>
      ) : null}
      {error ? (
        <p role="alert" className="mt-2 font-medium">
          {apiErrorText(error.code, error.details)}
        </p>
      ) : null}
    </Banner>
  );
}
