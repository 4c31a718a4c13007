/** A TCP port for tests, benchmarks and soaks that start servers of their own. */
import { createServer } from 'node:net';

/** A port free right now on 127.0.0.1 (the OS picks it; another process may take it later). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}
