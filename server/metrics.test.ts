import { describe, expect, it } from 'vitest';
import { createMetrics, lastfmCallOutcome } from './metrics.js';

describe('createMetrics', () => {
  it('exposes every Lasso metric with its labels', async () => {
    const metrics = createMetrics();
    metrics.hostPolled();
    metrics.scrobblesMirrored('accepted', 3);
    metrics.scrobblesMirrored('ignored');
    metrics.scrobblesSkipped('name_too_long', 2);
    metrics.lastfmCall('track.scrobble', 'ok');
    metrics.lastfmCall('user.getRecentTracks', 'retryable');
    metrics.lastfmCall('user.getRecentTracks', 'rate_limited');
    metrics.observePollDuration(0.2);
    metrics.httpRequest('/api/session/status', 'GET', 200, 0.004);
    metrics.httpRequest('unmatched', 'GET', 404, 0.001);
    metrics.setStoreGauges({ activeFollows: 7, outboxPending: 2, hostsOverdue: 1, heldGuests: 4 });
    const { body, contentType } = await metrics.render();
    expect(contentType).toMatch(/^text\/plain/);
    expect(body).toContain('lasso_hosts_polled_total 1');
    expect(body).toContain('lasso_scrobbles_mirrored_total{result="accepted"} 3');
    expect(body).toContain('lasso_scrobbles_mirrored_total{result="ignored"} 1');
    expect(body).toContain('lasso_scrobbles_skipped_total{reason="name_too_long"} 2');
    expect(body).toContain('lasso_lastfm_calls_total{method="track.scrobble",outcome="ok"} 1');
    expect(body).toContain('lasso_poll_duration_seconds_count 1');
    expect(body).toContain('lasso_active_follows 7');
    expect(body).toContain('lasso_outbox_pending 2');
    expect(body).toContain('lasso_hosts_overdue 1');
    expect(body).toContain('lasso_held_guests 4');
    expect(body).toContain(
      'lasso_lastfm_calls_total{method="user.getRecentTracks",outcome="rate_limited"} 1',
    );
    expect(body).toContain(
      'lasso_http_requests_total{route="/api/session/status",method="GET",status="200"} 1',
    );
    expect(body).toContain(
      'lasso_http_requests_total{route="unmatched",method="GET",status="404"} 1',
    );
    expect(body).toContain(
      'lasso_http_request_duration_seconds_bucket{le="0.005",route="/api/session/status",method="GET"} 1',
    );
  });

  it('counts a rate-limited Last.fm call apart from the other retryable failures', () => {
    expect(lastfmCallOutcome(null)).toBe('ok');
    expect(lastfmCallOutcome({ kind: 'retryable', rateLimited: true })).toBe('rate_limited');
    expect(lastfmCallOutcome({ kind: 'retryable', rateLimited: false })).toBe('retryable');
    expect(lastfmCallOutcome({ kind: 'auth_revoked', rateLimited: false })).toBe('auth_revoked');
  });

  it('keeps separate registries, so two apps do not share counts', async () => {
    const a = createMetrics();
    const b = createMetrics();
    a.hostPolled();
    expect((await b.render()).body).toContain('lasso_hosts_polled_total 0');
  });

  it('shows the store gauges last set, until they are set again', async () => {
    const metrics = createMetrics();
    metrics.setStoreGauges({ activeFollows: 4, outboxPending: 9, hostsOverdue: 0, heldGuests: 0 });
    await metrics.render();
    expect((await metrics.render()).body).toContain('lasso_active_follows 4');
    metrics.setStoreGauges({ activeFollows: 5, outboxPending: 0, hostsOverdue: 2, heldGuests: 1 });
    const { body } = await metrics.render();
    expect(body).toContain('lasso_active_follows 5');
    expect(body).toContain('lasso_outbox_pending 0');
  });
});
