/**
 * The kernel's count of connections it turned away because a listen queue was full (Linux
 * /proc/net/netstat, machine-wide). A server whose event loop stalls stops accepting; a thousand
 * clients connecting at once then overflow its queue, and each dropped SYN is retried only after
 * 1, 3, 7… seconds: time the client counts and the server never sees.
 */
import { readFileSync } from 'node:fs';

/** `TcpExt: ListenOverflows` of a /proc/net/netstat text; null when absent. */
export function parseListenOverflows(netstatText: string): number | null {
  const lines = netstatText.split('\n').filter((l) => l.startsWith('TcpExt:'));
  const [names, values] = lines.map((l) => l.trim().split(/\s+/).slice(1));
  const i = names?.indexOf('ListenOverflows') ?? -1;
  const value = i < 0 ? NaN : Number(values?.[i]);
  return Number.isFinite(value) ? value : null;
}

/** The machine's listen-queue overflows since boot; null off Linux. */
export function listenOverflows(): number | null {
  try {
    return parseListenOverflows(readFileSync('/proc/net/netstat', 'utf8'));
  } catch {
    return null;
  }
}
