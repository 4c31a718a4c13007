/**
 * An invite link `/j/<host>`: signs the guest in if needed (coming back here afterwards), then
 * offers a one-tap Follow for that host.
 */
import type { AppInfo, MeResponse } from '../../../../contract/index.js';
import { useStatus } from '../../api/queries.js';
import { useSignIn } from '../../api/mutations.js';
import { Link, navigate } from '../../app/router.js';
import { Artwork } from '../../components/Artwork.js';
import { Banner } from '../../components/Banner.js';
import { Loading } from '../../components/Loading.js';
import { FollowForm } from './FollowForm.js';
import { usernameProblem } from './username.js';

/** The invite page for `host`; `me` null when signed out. */
export function JoinPage(props: { host: string; me: MeResponse | null; info: AppInfo }) {
  const { host, me } = props;
  const signIn = useSignIn();
  const status = useStatus({ enabled: me !== null });
  const broken = usernameProblem(host, undefined) !== null;

  if (broken) {
    return (
      <Banner tone="danger" title="This invite link is broken" alert>
        Ask the host for their link again, or{' '}
        <Link to="/" className="link">
          type their username
        </Link>
        .
      </Banner>
    );
  }
  const heading = (
    <div className="flex items-center gap-3">
      <Artwork src={null} size="md" round initials={host} />
      <div className="min-w-0">
        <p className="muted text-sm">You are invited to</p>
        <h1 className="text-2xl font-bold break-words">{host}’s jam</h1>
      </div>
    </div>
  );

  if (me === null) {
    return (
      <section className="card space-y-4">
        {heading}
        <p>
          Sign in with Last.fm, and every track {host} scrobbles while you are in the jam is added
          to your profile too.
        </p>
        <button
          type="button"
          className="btn-primary w-full"
          disabled={signIn.isPending}
          onClick={() => signIn.mutate(`/j/${encodeURIComponent(host)}`)}
        >
          Sign in with Last.fm
        </button>
      </section>
    );
  }
  if (me.username.toLowerCase() === host.toLowerCase()) {
    return (
      <Banner tone="info" title="This is your own invite link">
        Share it with your guests: they follow you from it.{' '}
        <Link to="/" className="link">
          Back home
        </Link>
      </Banner>
    );
  }
  if (status.isPending) return <Loading />;
  const current = status.data;
  const following =
    current && (current.state === 'active' || current.state === 'paused')
      ? current.target_username
      : null;
  if (following?.toLowerCase() === host.toLowerCase()) {
    return (
      <Banner tone="success" title={`You are following ${host}`}>
        <Link to="/" className="link">
          Go to the jam
        </Link>
      </Banner>
    );
  }
  return (
    <section className="card space-y-4">
      {heading}
      {following ? (
        <p className="text-sm">
          You are following <strong>{following}</strong> now. Following {host} stops that.
        </p>
      ) : null}
      <FollowForm
        me={me.username}
        info={props.info}
        initialHost={host}
        currentHost={following}
        onStarted={() => navigate('/', { replace: true })}
      />
    </section>
  );
}
