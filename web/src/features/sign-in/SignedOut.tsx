/** The signed-out home: what Lasso does in one sentence, and Sign in with Last.fm. */
import { ApiError } from '../../api/client.js';
import { useSignIn } from '../../api/mutations.js';
import { Banner } from '../../components/Banner.js';
import { apiErrorText, signInErrorText } from '../../lib/words.js';

const STEPS = [
  'Sign in with your Last.fm account.',
  'Enter the host’s Last.fm username, or open their invite link.',
  'Lock your phone. Each track the host scrobbles is added to your profile while you are in the jam.',
];

/** The welcome screen; `error` is the code of a failed sign-in (`/?error=CODE`). */
export function SignedOut(props: { error: string | null }) {
  const signIn = useSignIn();
  const failure = props.error ? signInErrorText(props.error) : null;
  const initError = signIn.error instanceof ApiError ? signIn.error : null;
  return (
    <section aria-labelledby="welcome-title" className="space-y-6">
      {failure ? (
        <Banner tone="danger" title={failure.title} alert>
          {failure.text}
        </Banner>
      ) : null}
      <div className="pt-4">
        <h1 id="welcome-title" className="text-3xl leading-tight font-bold text-balance">
          Your share of the Spotify Jam, on your Last.fm
        </h1>
        <p className="muted mt-3 text-lg leading-relaxed">
          In a Jam only the host’s account scrobbles. Lasso copies the host’s scrobbles onto your
          Last.fm profile while you are in the jam.
        </p>
      </div>
      <button
        type="button"
        className="btn-primary w-full text-lg"
        disabled={signIn.isPending}
        onClick={() => signIn.mutate('/')}
      >
        Sign in with Last.fm
      </button>
      {initError ? (
        <p role="alert" className="text-sm font-medium text-rose-700 dark:text-rose-300">
          {apiErrorText(initError.code, initError.details)}
        </p>
      ) : null}
      <ol className="space-y-3">
        {STEPS.map((step, i) => (
          <li key={step} className="flex gap-3">
            <span
              aria-hidden="true"
              className="flex size-7 shrink-0 items-center justify-center rounded-full bg-accent-soft text-sm font-bold text-accent-strong dark:bg-zinc-800 dark:text-rose-300"
            >
              {i + 1}
            </span>
            <span className="pt-0.5">{step}</span>
          </li>
        ))}
      </ol>
      <p className="muted text-sm">
        Only tracks played while you are in the jam are added, each once, with the time it was
        played. Lasso never posts anything else.
      </p>
    </section>
  );
}
