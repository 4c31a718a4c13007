import { describe, expect, it, vi } from 'vitest';
import { createLogger, memoryDestination } from './logger.js';
import { shutdown, type ShutdownDeps } from './shutdown.js';

function harness(overrides: Partial<ShutdownDeps> = {}) {
  const logs = memoryDestination();
  const exit = vi.fn<(code: number) => void>();
  const stderr = vi.fn<(text: string) => void>();
  const deps: ShutdownDeps = {
    close: async () => {},
    logger: createLogger({ logLevel: 'info' }, logs),
    output: { drain: async () => {} },
    exit,
    stderr,
    deadlineMs: 200,
    drainTimeoutMs: 50,
    ...overrides,
  };
  return { deps, logs, exit, stderr };
}

const never = () => new Promise<void>(() => {});

describe('shutdown', () => {
  it('closes, logs, waits for the log and exits 0', async () => {
    const order: string[] = [];
    const { deps, logs, exit } = harness({
      close: async () => void order.push('close'),
      output: { drain: async () => void order.push('drain') },
    });
    deps.exit = (code) => {
      order.push(`exit ${code}`);
      exit(code);
    };
    await shutdown(deps, 'SIGTERM');
    expect(order).toEqual(['close', 'drain', 'exit 0']);
    expect(logs.lines().map((l) => l.message)).toEqual(['shutting down', 'stopped']);
    expect(logs.lines()[0]).toMatchObject({ signal: 'SIGTERM' });
  });

  it('exits 1 when the orderly close fails', async () => {
    const { deps, logs, exit } = harness({
      close: () => Promise.reject(new Error('store would not close')),
    });
    await shutdown(deps, 'SIGTERM');
    expect(exit.mock.calls).toEqual([[1]]);
    expect(logs.lines().at(-1)).toMatchObject({ message: 'shutdown failed', severity: 'ERROR' });
  });

  it('exits 1 with a line on stderr when the close hangs past the deadline', async () => {
    const { deps, exit, stderr } = harness({ close: never, deadlineMs: 30 });
    void shutdown(deps, 'SIGTERM');
    await vi.waitFor(() => expect(exit).toHaveBeenCalledWith(1));
    expect(stderr.mock.calls.join('')).toMatch(
      /shutdown \(SIGTERM\) did not finish within 0\.03 s/,
    );
  });

  it('exits 0 without waiting for ever for a log reader that stopped reading', async () => {
    const { deps, exit, stderr } = harness({ output: { drain: never }, drainTimeoutMs: 20 });
    await shutdown(deps, 'SIGINT');
    expect(exit.mock.calls).toEqual([[0]]);
    expect(stderr).not.toHaveBeenCalled();
  });

  it('cancels the deadline once it has exited', async () => {
    const { deps, exit } = harness({ deadlineMs: 40 });
    await shutdown(deps, 'SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(exit.mock.calls).toEqual([[0]]);
  });
});
