import { describe, expect, it } from 'vitest';
import { createMetrics } from './metrics.js';

describe('createMetrics', () => {
  it('exposes every Lasso metric with its labels', async () => {
    const metrics = createMetrics();
    metrics.hostPolled();
    metrics.scrobblesMirrored('accepted', 3);
    metrics.scrobblesMirrored('ignored');
    metrics.lastfmCall('track.scrobble', 'ok');
    metrics.lastfmCall('user.getRecentTracks', 'retryable');
    metrics.observePollDuration(0.2);
    metrics.setActiveFollowsCollector(async () => 7);
    metrics.setOutboxPendingCollector(() => 2);
    const { body, contentType } = await metrics.render();
    expect(contentType).toMatch(/^text\/plain/);
    expect(body).toContain('lasso_hosts_polled_total 1');
    expect(body).toContain('lasso_scrobbles_mirrored_total{result="accepted"} 3');
    expect(body).toContain('lasso_scrobbles_mirrored_total{result="ignored"} 1');
    expect(body).toContain('lasso_lastfm_calls_total{method="track.scrobble",outcome="ok"} 1');
    expect(body).toContain('lasso_poll_duration_seconds_count 1');
    expect(body).toContain('lasso_active_follows 7');
    expect(body).toContain('lasso_outbox_pending 2');
  });

  it('keeps separate registries, so two apps do not share counts', async () => {
    const a = createMetrics();
    const b = createMetrics();
    a.hostPolled();
    expect((await b.render()).body).toContain('lasso_hosts_polled_total 0');
  });

  it('keeps the last gauge value when a collector fails', async () => {
    const metrics = createMetrics();
    let fail = false;
    metrics.setActiveFollowsCollector(() => {
      if (fail) throw new Error('database away');
      return 4;
    });
    await metrics.render();
    fail = true;
    expect((await metrics.render()).body).toContain('lasso_active_follows 4');
  });
});
