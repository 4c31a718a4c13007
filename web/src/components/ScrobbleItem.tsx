/** One host scrobble as it stands for the guest: art, title, artist, time and its state in words. */
import type { RecentScrobble } from '../../../contract/index.js';
import { scrobbleTime } from '../lib/time.js';
import { scrobbleStateText } from '../lib/words.js';
import { Artwork } from './Artwork.js';

const STATE_STYLE: Record<RecentScrobble['status'], { dot: string; text: string }> = {
  mirrored: { dot: 'bg-emerald-500', text: 'text-emerald-800 dark:text-emerald-300' },
  pending: { dot: 'bg-zinc-400', text: 'text-zinc-600 dark:text-zinc-400' },
  held: { dot: 'bg-amber-500', text: 'text-amber-800 dark:text-amber-300' },
  ignored: { dot: 'bg-rose-500', text: 'text-rose-800 dark:text-rose-300' },
};

/** A list item; `heldUntil` dates a daily-limit hold. */
export function ScrobbleItem(props: {
  scrobble: Pick<
    RecentScrobble,
    | 'artist'
    | 'track'
    | 'album'
    | 'timestamp'
    | 'image_url'
    | 'status'
    | 'lastfm_code'
    | 'lastfm_message'
  >;
  heldUntil: number | null;
}) {
  const s = props.scrobble;
  const style = STATE_STYLE[s.status];
  return (
    <li className="flex items-center gap-3 py-3">
      <Artwork src={s.image_url} size="sm" lazy />
      <div className="min-w-0 flex-1">
        <p className="truncate font-medium">{s.track}</p>
        <p className="muted truncate text-sm">
          {s.artist}
          {s.album ? ` · ${s.album}` : ''}
        </p>
        <p className={`mt-0.5 flex items-center gap-1.5 text-sm ${style.text}`}>
          <span aria-hidden="true" className={`size-2 shrink-0 rounded-full ${style.dot}`} />
          {scrobbleStateText(s, props.heldUntil)}
        </p>
      </div>
      <time
        className="muted shrink-0 self-start pt-0.5 text-sm tabular-nums"
        dateTime={new Date(s.timestamp * 1000).toISOString()}
      >
        {scrobbleTime(s.timestamp)}
      </time>
    </li>
  );
}
