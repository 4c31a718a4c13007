/** Who is signed in, and signing this browser out (a running follow goes on at the server). */
import type { MeResponse } from '../../../contract/index.js';
import { useSignOut } from '../api/mutations.js';

/** The account line at the foot of the home screen. */
export function SignOut(props: { me: MeResponse }) {
  const signOut = useSignOut();
  return (
    <p className="muted flex flex-wrap items-center justify-center gap-x-2 text-sm">
      Signed in as <strong className="text-zinc-900 dark:text-zinc-100">{props.me.username}</strong>
      <button
        type="button"
        className="btn-quiet min-h-11 text-sm"
        disabled={signOut.isPending}
        onClick={() => signOut.mutate()}
      >
        Sign out
      </button>
    </p>
  );
}
