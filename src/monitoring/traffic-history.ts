/** Bucket width of the history (ms); the shortest step a series can have. */
const BUCKET_MS = 10_000;
/** How far back the history reaches: six hours of 10-second buckets. */
export const TRAFFIC_HISTORY_SECONDS = 6 * 3600;
const BUCKETS = (TRAFFIC_HISTORY_SECONDS * 1000) / BUCKET_MS;
// Latency bins grow by 25 % from 0.5 ms: 50 bins reach past 30 s; the last one takes everything above.
const FIRST_BIN_MS = 0.5;
const BIN_GROWTH = 1.25;
const BINS = 50;
const LOG_GROWTH = Math.log(BIN_GROWTH);

export interface TrafficPoint {
  /** Start of the step, epoch ms. */
  t: number;
  requests_per_second: number;
  /** 5xx answers per second. */
  errors_per_second: number;
  /** p95 latency (ms) estimated from 25 %-wide bins; 0 when the step had no request. */
  p95_ms: number;
}

/**
 * Request counts, 5xx counts and a latency histogram per 10-second bucket over the last six hours, in
 * fixed-size arrays (a few hundred kilobytes whatever the traffic), for the dashboard's longer ranges.
 */
export class TrafficHistory {
  private readonly bucketIndex = new Float64Array(BUCKETS).fill(-1);
  private readonly requests = new Uint32Array(BUCKETS);
  private readonly errors = new Uint32Array(BUCKETS);
  private readonly latencyBins = new Uint32Array(BUCKETS * BINS);

  observe(now: number, durationMs: number, isFailure: boolean): void {
    const index = Math.floor(now / BUCKET_MS);
    const slot = index % BUCKETS;
    if (this.bucketIndex[slot] !== index) {
      this.bucketIndex[slot] = index;
      this.requests[slot] = 0;
      this.errors[slot] = 0;
      this.latencyBins.fill(0, slot * BINS, (slot + 1) * BINS);
    }
    this.requests[slot] = (this.requests[slot] as number) + 1;
    if (isFailure) this.errors[slot] = (this.errors[slot] as number) + 1;
    const bin =
      durationMs <= FIRST_BIN_MS
        ? 0
        : Math.min(BINS - 1, Math.ceil(Math.log(durationMs / FIRST_BIN_MS) / LOG_GROWTH));
    const at = slot * BINS + bin;
    this.latencyBins[at] = (this.latencyBins[at] as number) + 1;
  }

  /**
   * The last `rangeSeconds` (at most six hours) in about 60 steps, each a whole number of buckets:
   * 10 s steps for 5 minutes, 1 minute for an hour, 6 minutes for six hours.
   */
  series(rangeSeconds: number, now: number): TrafficPoint[] {
    const range = Math.min(rangeSeconds, TRAFFIC_HISTORY_SECONDS) * 1000;
    const bucketsPerStep = Math.max(1, Math.round(range / BUCKET_MS / 60));
    const stepMs = bucketsPerStep * BUCKET_MS;
    const steps = Math.ceil(range / stepMs);
    const lastIndex = Math.floor(now / BUCKET_MS);
    const firstIndex = lastIndex - steps * bucketsPerStep + 1;
    const points: TrafficPoint[] = [];
    for (let step = 0; step < steps; step++) {
      let requests = 0;
      let errors = 0;
      const bins = new Array<number>(BINS).fill(0);
      for (let offset = 0; offset < bucketsPerStep; offset++) {
        const index = firstIndex + step * bucketsPerStep + offset;
        const slot = index % BUCKETS;
        if (this.bucketIndex[slot] !== index) continue;
        requests += this.requests[slot] as number;
        errors += this.errors[slot] as number;
        for (let bin = 0; bin < BINS; bin++)
          bins[bin] = (bins[bin] as number) + (this.latencyBins[slot * BINS + bin] as number);
      }
      points.push({
        t: (firstIndex + step * bucketsPerStep) * BUCKET_MS,
        requests_per_second: requests / (stepMs / 1000),
        errors_per_second: errors / (stepMs / 1000),
        p95_ms: binQuantile(bins, requests, 0.95),
      });
    }
    return points;
  }
}

/** The upper edge of the bin holding the q-quantile (an estimate within 25 %), or 0 without samples. */
function binQuantile(bins: number[], total: number, q: number): number {
  if (total === 0) return 0;
  const rank = Math.ceil(q * total);
  let seen = 0;
  for (let bin = 0; bin < bins.length; bin++) {
    seen += bins[bin] as number;
    if (seen >= rank) return FIRST_BIN_MS * BIN_GROWTH ** bin;
  }
  return FIRST_BIN_MS * BIN_GROWTH ** (bins.length - 1);
}
