/** Argument checks shared by `npm run soak` and `npm run soak:multi`: bad arguments exit 2. */

/** A command line's checks, printing `usage` with each complaint. */
export function cli(usage: string): {
  fail: (message: string) => never;
  number: (value: string, name: string, min: number, max: number) => number;
} {
  const fail = (message: string): never => {
    console.error(`${message}\n${usage}`);
    process.exit(2);
  };
  const number = (value: string, name: string, min: number, max: number): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < min || n > max) {
      fail(`--${name} must be a number in ${min}..${max}`);
    }
    return n;
  };
  return { fail, number };
}
