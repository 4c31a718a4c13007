/**
 * Privacy, in plain words: what Lasso keeps, for how long, what it never keeps, who sees what;
 * and, for a signed-in guest, Download my data and Disconnect.
 */
import { useState } from 'react';
import type { AppInfo, MeResponse } from '../../../../contract/index.js';
import { Banner } from '../../components/Banner.js';
import { tracks } from '../../lib/time.js';
import { Disconnect } from './Disconnect.js';

function keptFor(days: number): string {
  if (days === 0) return 'until the follow has ended and every track was sent';
  return days === 1 ? 'for 1 day' : `for ${days} days`;
}

/** The privacy page; `me` null when signed out. */
export function PrivacyPage(props: { info: AppInfo; me: MeResponse | null }) {
  const [dropped, setDropped] = useState<number | null>(null);
  const keep = keptFor(props.info.history_days);
  return (
    <article aria-labelledby="privacy-title" className="space-y-5 leading-relaxed">
      <h1 id="privacy-title" className="text-2xl font-bold">
        Privacy
      </h1>
      {dropped !== null ? (
        <Banner tone="success" title="Disconnected">
          Lasso holds nothing about you any more
          {dropped > 0 ? `; ${tracks(dropped)} that were waiting were dropped` : ''}. You can also
          remove Lasso from the applications in your Last.fm settings.
        </Banner>
      ) : null}
      <section>
        <h2 className="text-lg font-semibold">What Lasso keeps</h2>
        <ul className="mt-2 list-disc space-y-1 pl-5">
          <li>Your Last.fm username.</li>
          <li>
            The key Last.fm gave Lasso to scrobble for you, encrypted. It never reaches a browser
            and is never written to a log.
          </li>
          <li>
            Whom you followed and when you were in the jam, and the host’s tracks Lasso added (or
            could not add) for you, {keep}. Then they are deleted.
          </li>
          <li>
            A random sign-in cookie for this browser; the server keeps only a fingerprint of it.
          </li>
        </ul>
      </section>
      <section>
        <h2 className="text-lg font-semibold">What Lasso never keeps</h2>
        <ul className="mt-2 list-disc space-y-1 pl-5">
          <li>Your Last.fm password: you sign in on Last.fm itself.</li>
          <li>Your own listening, beyond the few recent tracks it checks to avoid doubles.</li>
          <li>Your email, your contacts, your location or any tracking cookie.</li>
        </ul>
      </section>
      <section>
        <h2 className="text-lg font-semibold">Who can see what</h2>
        <ul className="mt-2 list-disc space-y-1 pl-5">
          <li>Tracks Lasso adds appear on your Last.fm profile, like any scrobble.</li>
          <li>
            Only you see your follows and history in Lasso. The host does not see who follows them.
          </li>
          <li>Lasso reads the host’s public recent tracks, as anyone on Last.fm can.</li>
        </ul>
      </section>
      {props.me ? (
        <section className="card space-y-3">
          <h2 className="text-lg font-semibold">Your data</h2>
          <a className="btn-secondary w-full" href="/api/me/export" download>
            Download my data
          </a>
          <p className="muted text-sm">
            A JSON file with every follow and every track, and what Last.fm answered.
          </p>
          <Disconnect onDone={setDropped} />
        </section>
      ) : null}
    </article>
  );
}
