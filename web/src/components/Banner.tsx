/** A message across the screen: a stop or pause reason, a hold, an error, the demo notice. */
import type { ReactNode } from 'react';

/** How a banner looks: its urgency. */
export type Tone = 'info' | 'warning' | 'danger' | 'success';

const TONES: Record<Tone, string> = {
  info: 'bg-sky-50 text-sky-950 ring-sky-200 dark:bg-sky-950/60 dark:text-sky-50 dark:ring-sky-900',
  warning:
    'bg-amber-50 text-amber-950 ring-amber-200 dark:bg-amber-950/60 dark:text-amber-50 dark:ring-amber-900',
  danger:
    'bg-rose-50 text-rose-950 ring-rose-200 dark:bg-rose-950/60 dark:text-rose-50 dark:ring-rose-900',
  success:
    'bg-emerald-50 text-emerald-950 ring-emerald-200 dark:bg-emerald-950/60 dark:text-emerald-50 dark:ring-emerald-900',
};

/**
 * A banner. `alert` makes it `role="alert"` (errors: read out at once); otherwise it is a polite
 * `role="status"`.
 */
export function Banner(props: {
  tone: Tone;
  title: string;
  children?: ReactNode;
  action?: ReactNode;
  alert?: boolean;
}) {
  return (
    <div
      role={props.alert ? 'alert' : 'status'}
      className={`rounded-2xl p-4 ring-1 ${TONES[props.tone]}`}
    >
      <p className="font-semibold">{props.title}</p>
      {props.children ? <div className="mt-1 text-sm leading-relaxed">{props.children}</div> : null}
      {props.action ? <div className="mt-3">{props.action}</div> : null}
    </div>
  );
}
