/** Album art or a user's avatar from Last.fm, with a drawn stand-in when there is none. */
import { useState } from 'react';

const SIZES = { sm: 'size-12', md: 'size-16', lg: 'size-24' } as const;

/** A square image; `label` is read out only when the image says something the text beside it does not. */
export function Artwork(props: {
  src: string | null;
  size: keyof typeof SIZES;
  round?: boolean;
  initials?: string;
  lazy?: boolean;
}) {
  const [broken, setBroken] = useState(false);
  const shape = `${SIZES[props.size]} shrink-0 ${props.round ? 'rounded-full' : 'rounded-xl'}`;
  if (props.src && !broken) {
    const px = props.size === 'sm' ? 48 : props.size === 'md' ? 64 : 96;
    return (
      <img
        src={props.src}
        alt=""
        width={px}
        height={px}
        loading={props.lazy ? 'lazy' : 'eager'}
        decoding="async"
        referrerPolicy="no-referrer"
        onError={() => setBroken(true)}
        className={`${shape} bg-zinc-200 object-cover dark:bg-zinc-800`}
      />
    );
  }
  return (
    <span
      aria-hidden="true"
      className={`${shape} flex items-center justify-center bg-gradient-to-br from-rose-200 to-zinc-300 font-semibold text-zinc-700 dark:from-rose-900 dark:to-zinc-800 dark:text-zinc-200`}
    >
      {props.initials ? (
        props.initials.slice(0, 1).toUpperCase()
      ) : (
        <svg viewBox="0 0 24 24" className="size-1/2" fill="currentColor">
          <path d="M9 18V5l12-2v13" fill="none" stroke="currentColor" stroke-width="2" />
          <circle cx="6" cy="18" r="3" />
          <circle cx="18" cy="16" r="3" />
        </svg>
      )}
    </span>
  );
}
