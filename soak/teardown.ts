/** Small helpers for runs that start many things and must stop all of them, whatever happens. */

/** Things to undo, undone last-first; a failing one does not stop the others. */
export class Teardown {
  private readonly steps: (() => Promise<unknown>)[] = [];

  add(step: () => Promise<unknown>): void {
    this.steps.push(step);
  }

  async run(): Promise<void> {
    for (const step of this.steps.splice(0).reverse()) await step().catch(() => undefined);
  }
}

/** The outcome of `p`, never rejecting: a failure waits to be rethrown by `unwrap`. */
export function settled<T>(p: Promise<T>): Promise<{ value: T } | { err: Error }> {
  return p.then(
    (value) => ({ value }),
    (err: unknown) => ({ err: err instanceof Error ? err : new Error(String(err)) }),
  );
}

/** The value of a `settled` outcome, or its error thrown. */
export function unwrap<T>(outcome: { value: T } | { err: Error }): T {
  if ('err' in outcome) throw outcome.err;
  return outcome.value;
}
