/**
 * The signed-in home: the follow in progress (live), or the follow form with what ended last.
 * The event stream stays open while signed in, so a follow started on another device shows too.
 */
import type { ReactNode } from 'react';
import type { AppInfo, MeResponse } from '../../../../contract/index.js';
import { useLive } from '../../api/live.js';
import { useStatus } from '../../api/queries.js';
import { Banner } from '../../components/Banner.js';
import { Loading } from '../../components/Loading.js';
import { FollowForm } from './FollowForm.js';
import { Following } from './Following.js';
import { LastFollow } from './LastFollow.js';
import { StatusBanners } from './StatusBanners.js';

/** Status is polled this often while the live stream is down. */
const FALLBACK_POLL_MS = 10_000;

/**
 * The home screen of a signed-in guest. `footer` (the invite, the account line) shows once the
 * status has loaded, so nothing below the loading line moves when the screen fills in.
 */
export function FollowHome(props: { me: MeResponse; info: AppInfo; footer?: ReactNode }) {
  const live = useLive(true);
  const status = useStatus({
    enabled: true,
    pollMs: live === 'polling' || live === 'reconnecting' ? FALLBACK_POLL_MS : false,
  });

  if (status.isPending) return <Loading label="Loading your jam…" />;
  if (status.isError) {
    return (
      <Banner
        tone="danger"
        title="Your jam could not be loaded"
        alert
        action={
          <button type="button" className="btn-secondary" onClick={() => void status.refetch()}>
            Try again
          </button>
        }
      >
        Mirroring goes on at the server either way.
      </Banner>
    );
  }
  const s = status.data;
  if (s.state === 'active' || s.state === 'paused') {
    return (
      <>
        <Following status={s} info={props.info} live={live} />
        {props.footer}
      </>
    );
  }
  return (
    <>
      <section aria-labelledby="join-title" className="space-y-4">
        <StatusBanners status={s} info={props.info} />
        <div className="card">
          <h1 id="join-title" className="text-2xl font-bold">
            Join a jam
          </h1>
          <p className="muted mt-1 mb-4 text-sm">
            Lasso adds each track the host scrobbles to your profile while you are in the jam.
          </p>
          <FollowForm me={props.me.username} info={props.info} />
        </div>
        <LastFollow status={s} />
      </section>
      {props.footer}
    </>
  );
}
