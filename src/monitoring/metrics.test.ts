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

describe('PlatformMetrics.trafficSeries', () => {
  it('keeps hours of traffic in steps of about a minute, with the rate, errors and p95 of each', () => {
    const metrics = new PlatformMetrics({ processMetrics: false });
    const now = 1_800_000_000_000;
    // 120 requests two hours ago (6 of them 5xx), 60 requests in the last minute, 20 ms each.
    for (let i = 0; i < 120; i++)
      metrics.observeRequest('GET', '/x', i < 6 ? 500 : 200, 0.02, now - 2 * 3600_000 + i * 100);
    for (let i = 0; i < 60; i++) metrics.observeRequest('GET', '/x', 200, 0.02, now - 30_000 + i * 100);
    const series = metrics.trafficSeries(6 * 3600, now);
    expect(series.length).toBeGreaterThanOrEqual(60);
    expect(series.length).toBeLessThanOrEqual(61);
    const stepSeconds = ((series[1]?.t ?? 0) - (series[0]?.t ?? 0)) / 1000;
    expect(stepSeconds).toBe(360);
    const total = series.reduce((sum, point) => sum + point.requests_per_second * stepSeconds, 0);
    expect(total).toBeCloseTo(180);
    const errors = series.reduce((sum, point) => sum + point.errors_per_second * stepSeconds, 0);
    expect(errors).toBeCloseTo(6);
    const busy = series.filter((point) => point.requests_per_second > 0);
    for (const point of busy) expect(point.p95_ms).toBeGreaterThanOrEqual(20);
    for (const point of busy) expect(point.p95_ms).toBeLessThan(25.1);
    // A five-minute range has 10-second steps and only sees the recent minute.
    const recent = metrics.trafficSeries(300, now);
    expect(recent.reduce((sum, point) => sum + point.requests_per_second * 10, 0)).toBeCloseTo(60);
  });
});
