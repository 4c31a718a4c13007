/** What shows while something loads: a quiet line, never a blank screen. */
export function Loading(props: { label?: string }) {
  return (
    <p className="muted flex items-center gap-2 py-6" role="status" aria-live="polite">
      <span
        aria-hidden="true"
        className="size-4 animate-spin rounded-full border-2 border-zinc-400 border-t-transparent"
      />
      {props.label ?? 'Loading…'}
    </p>
  );
}
