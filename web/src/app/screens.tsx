/** Screens with no feature of their own: not found, offline, signed-in-only. */
import { useSignIn } from '../api/mutations.js';
import { Banner } from '../components/Banner.js';
import { Link } from './router.js';

/** A path the app does not know. */
export function NotFound() {
  return (
    <section className="space-y-3">
      <h1 className="text-2xl font-bold">Page not found</h1>
      <p className="muted">This page does not exist.</p>
      <Link to="/" className="link">
        Go to Lasso’s home
      </Link>
    </section>
  );
}

/** Shown when the app cannot reach the server at all. */
export function Offline(props: { onRetry: () => void }) {
  return (
    <section className="space-y-4">
      <h1 className="text-2xl font-bold">You are offline</h1>
      <p className="leading-relaxed">
        Lasso cannot reach its server from here. Mirroring goes on at the server: tracks the host
        scrobbles while you are in the jam are still added to your profile.
      </p>
      <button type="button" className="btn-secondary" onClick={props.onRetry}>
        Try again
      </button>
    </section>
  );
}

/** A screen that needs a signed-in guest, asked of a signed-out one. */
export function SignInFirst(props: { returnTo: string; what: string }) {
  const signIn = useSignIn();
  return (
    <Banner
      tone="info"
      title={`Sign in to see ${props.what}`}
      action={
        <button
          type="button"
          className="btn-primary"
          disabled={signIn.isPending}
          onClick={() => signIn.mutate(props.returnTo)}
        >
          Sign in with Last.fm
        </button>
      }
    />
  );
}
