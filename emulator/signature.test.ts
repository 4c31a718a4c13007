import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { computeSignature, signatureMatches } from './signature.js';
import { sign } from './test-support/kit.js';

const m = (o: Record<string, string>) => new Map(Object.entries(o));

describe('api_sig check', () => {
  it('matches the documented getSession vector', () => {
    const p = m({
      api_key: 'YOUR_API_KEY',
      method: 'auth.getSession',
      token: 'YOUR_REQUESTED_TOKEN',
    });
    expect(computeSignature(p, 'YOUR_SECRET')).toBe('94539006de89b3c6b3c030bb1e52b9c4');
  });

  it('matches the documented track.love vector', () => {
    const p = m({
      api_key: 'YOUR_API_KEY',
      artist: 'KITANO REM',
      method: 'track.love',
      sk: 'YOUR_SESSION_KEY',
      track: 'RAINSICK',
    });
    expect(computeSignature(p, 'YOUR_SECRET')).toBe('800b8884b00c9343d1d425ed271e0f42');
  });

  it('signs a UTF-8 batch in byte order and leaves format and callback out', () => {
    const p = m({
      'track[1]': 'Hoppípolla',
      'album[0]': 'Homogenic',
      api_key: 'b25b959554ed76058ac220b7b2e0a026',
      'artist[0]': 'Björk',
      'artist[1]': 'Sigur Rós',
      method: 'track.scrobble',
      sk: 'd580d57f32848f5dcf574d1ce18d78b2',
      'timestamp[0]': '1700000000',
      'timestamp[1]': '1700000300',
      'track[0]': 'Jóga',
      format: 'json',
      callback: 'cb',
    });
    expect(computeSignature(p, 'SECRET123')).toBe('cf941021b1708b013cf3e52c93512661');
  });

  it('includes parameters sent with an empty value', () => {
    const p = m({
      album: '',
      api_key: 'b25b959554ed76058ac220b7b2e0a026',
      artist: 'Björk',
      duration: '305',
      method: 'track.updateNowPlaying',
      sk: 'd580d57f32848f5dcf574d1ce18d78b2',
      track: 'Jóga',
    });
    expect(computeSignature(p, 'SECRET123')).toBe('8452fea41f40e9e1e9c00106573b5c02');
  });

  it('sorts artist[10] before artist[1], as the ASCII table says', () => {
    const p = { 'artist[1]': 'a', 'artist[10]': 'b', method: 'x' };
    const md5 = createHash('md5').update('artist[10]bartist[1]amethodxs').digest('hex');
    expect(computeSignature(m(p), 's')).toBe(md5);
    expect(sign(p, 's')).toBe(md5);
  });

  it('accepts uppercase hex and rejects a wrong or missing signature', () => {
    const p = { api_key: 'k', method: 'auth.getToken' };
    const good = sign(p, 's');
    expect(signatureMatches(m({ ...p, api_sig: good.toUpperCase() }), 's')).toBe(true);
    expect(signatureMatches(m({ ...p, api_sig: good }), 'other')).toBe(false);
    expect(signatureMatches(m(p), 's')).toBe(false);
  });
});
