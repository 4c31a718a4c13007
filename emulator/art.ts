/**
 * Generated album art and avatars, so a demo looks like Last.fm: small SVG squares whose colours
 * and initials come from the artist and album (or the user name), the same every time. Their URLs
 * carry what they show (base64url JSON), so serving one needs no state and survives a restart.
 * Last.fm lists four sizes (docs/lastfm.md, "Pictures"): small 34, medium 64, large 174, extralarge
 * 300 pixels.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { send } from './http.js';
import { escapeXml } from './wire.js';

/** What a picture shows. */
export type ArtSubject =
  { kind: 'album'; artist: string; album: string } | { kind: 'user'; name: string };

/** Last.fm's four sizes: the name in `image[].size`, the folder in its URL, the pixels. */
const SIZES = [
  { size: 'small', dir: '34s', px: 34 },
  { size: 'medium', dir: '64s', px: 64 },
  { size: 'large', dir: '174s', px: 174 },
  { size: 'extralarge', dir: '300x300', px: 300 },
] as const;

/** Where pictures are served: `/art/<size folder>/<subject>.svg`. */
export const ART_PREFIX = '/art/';
/** Longest subject part of a path we decode (names are at most a few hundred bytes). */
const MAX_ENCODED = 4096;
/** A day: a picture never changes for its URL. */
const ART_CACHE = 'public, max-age=86400, immutable';

function encode(subject: ArtSubject): string {
  const parts =
    subject.kind === 'album' ? ['album', subject.artist, subject.album] : ['user', subject.name];
  return Buffer.from(JSON.stringify(parts), 'utf8').toString('base64url');
}

function decode(text: string): ArtSubject | null {
  if (text.length > MAX_ENCODED || !/^[A-Za-z0-9_-]+$/.test(text)) return null;
  let parts: unknown;
  try {
    parts = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (!Array.isArray(parts) || !parts.every((p) => typeof p === 'string')) return null;
  const [kind, a, b] = parts;
  if (kind === 'album' && a !== undefined && b !== undefined && parts.length === 3) {
    return { kind: 'album', artist: a, album: b };
  }
  if (kind === 'user' && a !== undefined && parts.length === 2) return { kind: 'user', name: a };
  return null;
}

/** The `image` array of a Last.fm answer: the four sizes of `subject`'s picture under `base`. */
export function artImages(base: string, subject: ArtSubject): { size: string; '#text': string }[] {
  const id = encode(subject);
  return SIZES.map(({ size, dir }) => ({ size, '#text': `${base}${ART_PREFIX}${dir}/${id}.svg` }));
}

/** Up to two initials: the first letter or digit of the first two words (one for a user). */
export function initials(text: string, max: number): string {
  const words = text.match(/[\p{L}\p{N}][\p{L}\p{N}\p{M}'’]*/gu) ?? [];
  return words
    .slice(0, max)
    .map((w) => Array.from(w)[0]!.toLocaleUpperCase())
    .join('');
}

/** The SVG of `subject` at `px` pixels: a two-colour gradient and its initials, no script or style. */
export function artSvg(subject: ArtSubject, px: number): string {
  const key = subject.kind === 'album' ? `${subject.artist}\n${subject.album}` : subject.name;
  const hash = createHash('md5').update(key, 'utf8').digest();
  const hue = Math.round((hash.readUInt16BE(0) / 65536) * 360);
  const hue2 = (hue + 40 + (hash[2]! % 80)) % 360;
  const label =
    subject.kind === 'album'
      ? initials(subject.album || subject.artist, 2)
      : initials(subject.name, 1) || '?';
  const title =
    subject.kind === 'album'
      ? `${subject.album || subject.artist} by ${subject.artist}`
      : subject.name;
  const fontSize = label.length > 1 ? 38 : 48;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${px}" height="${px}" viewBox="0 0 100 100" role="img" aria-label="${escapeXml(title)}">` +
    `<title>${escapeXml(title)}</title>` +
    `<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1">` +
    `<stop offset="0" stop-color="hsl(${hue},62%,52%)"/><stop offset="1" stop-color="hsl(${hue2},58%,28%)"/>` +
    `</linearGradient></defs><rect width="100" height="100" fill="url(#g)"/>` +
    `<text x="50" y="50" dy="0.35em" text-anchor="middle" font-family="system-ui,-apple-system,'Segoe UI',sans-serif" font-size="${fontSize}" font-weight="700" fill="#ffffff" fill-opacity="0.92">${escapeXml(label)}</text>` +
    `</svg>`
  );
}

/** Serves GET/HEAD `/art/<size>/<subject>.svg` as `image/svg+xml`; anything else there is 404. */
export function serveArt(req: IncomingMessage, res: ServerResponse, path: string): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    return send(res, 405, { allow: 'GET, HEAD' }, '');
  }
  const match = /^\/art\/([^/]+)\/([^/]+)\.svg$/.exec(path);
  const px = SIZES.find((s) => s.dir === match?.[1])?.px;
  const subject = match?.[2] === undefined ? null : decode(match[2]);
  if (px === undefined || subject === null) {
    return send(res, 404, { 'content-type': 'text/plain; charset=utf-8' }, 'no such picture');
  }
  const svg = artSvg(subject, px);
  res.writeHead(200, {
    'content-type': 'image/svg+xml; charset=utf-8',
    'content-length': String(Buffer.byteLength(svg)),
    'cache-control': ART_CACHE,
    'x-content-type-options': 'nosniff',
    // Opened on its own, the picture may do nothing but be drawn.
    'content-security-policy': "default-src 'none'",
    // Any page may show it, as Last.fm's CDN allows.
    'cross-origin-resource-policy': 'cross-origin',
    'access-control-allow-origin': '*',
  });
  res.end(req.method === 'HEAD' ? undefined : svg);
}
