import { describe, expect, it } from 'vitest';
import { PlatformMetrics } from './metrics.js';

describe('PlatformMetrics.traffic', () => {
  it('computes rate, percentiles, errors and a series over the recent window only', () => {
    const metrics = new PlatformMetrics({ processMetrics: false });
    const now = 1_000_000_000;
    // 100 requests in the last minute taking 1..100 ms, two of them 5xx; 50 older ones outside it.
    for (let i = 1; i <= 100; i++)
      metrics.observeRequest('GET', '/x', i <= 2 ? 503 : 200, i / 1000, now - i * 100);
    for (let i = 0; i < 50; i++) metrics.observeRequest('GET', '/x', 200, 0.5, now - 120_000);
    const traffic = metrics.traffic(60, 10, now);
    expect(traffic.requests).toBe(100);
    expect(traffic.requests_per_second).toBeCloseTo(100 / 60);
    expect(traffic.errors).toBe(2);
    expect(traffic.latency_ms.p50).toBeCloseTo(50, 3);
    expect(traffic.latency_ms.p95).toBeCloseTo(95, 3);
    expect(traffic.latency_ms.p99).toBeCloseTo(99, 3);
    expect(traffic.series).toHaveLength(30);
    expect(traffic.series.reduce((sum, bucket) => sum + bucket.requests_per_second * 10, 0)).toBeCloseTo(150);
    expect(traffic.series.at(-1)?.p95_ms).toBeCloseTo(95, 3);
  });

  it('is empty and zero when nothing happened', () => {
    const traffic = new PlatformMetrics({ processMetrics: false }).traffic();
    expect(traffic).toMatchObject({ requests: 0, errors: 0, latency_ms: { p50: 0, p95: 0, p99: 0 } });
  });
});
