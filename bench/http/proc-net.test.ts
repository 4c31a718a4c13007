import { describe, expect, it } from 'vitest';
import { listenOverflows, parseListenOverflows } from './proc-net.js';

describe('parseListenOverflows', () => {
  it('reads ListenOverflows from the TcpExt header and value lines', () => {
    const text = [
      'TcpExt: SyncookiesSent SyncookiesRecv ListenOverflows ListenDrops',
      'TcpExt: 0 0 1234 1240',
      'IpExt: InNoRoutes InTruncatedPkts',
      'IpExt: 0 0',
    ].join('\n');
    expect(parseListenOverflows(text)).toBe(1234);
  });

  it('gives null without the counter', () => {
    expect(parseListenOverflows('TcpExt: ListenDrops\nTcpExt: 5')).toBeNull();
    expect(parseListenOverflows('')).toBeNull();
  });
});

describe.runIf(process.platform === 'linux')('listenOverflows', () => {
  it('reads this machine’s counter', () => {
    expect(listenOverflows()).toBeGreaterThanOrEqual(0);
  });
});
