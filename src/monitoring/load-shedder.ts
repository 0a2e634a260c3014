import { MlopsError } from '../errors/index.js';
import type { PlatformMetrics } from './metrics.js';

/**
 * Holds back non-critical work for a while after an overload: scheduled pipeline runs wait (the latest
 * one due runs when shedding ends) and on-demand reports answer 503 with Retry-After. Serving is critical
 * and never shed.
 */
export class LoadShedder {
  private until = 0;
  private cause = '';

  constructor(private readonly metrics?: PlatformMetrics) {}

  activate(durationMs: number, reason: string, now = Date.now()): void {
    if (durationMs <= 0) return;
    this.until = Math.max(this.until, now + durationMs);
    this.cause = reason;
    this.metrics?.loadShedding.set(1);
  }

  isActive(now = Date.now()): boolean {
    const active = now < this.until;
    if (!active && this.until !== 0) {
      this.until = 0;
      this.metrics?.loadShedding.set(0);
    }
    return active;
  }

  status(now = Date.now()): { active: boolean; until: string | null; reason: string | null } {
    const active = this.isActive(now);
    return {
      active,
      until: active ? new Date(this.until).toISOString() : null,
      reason: active ? this.cause : null,
    };
  }

  /** Throws MLOPS_ERR_LOAD_SHEDDING (503, Retry-After) while shedding. */
  assertAccepting(what: string, now = Date.now()): void {
    if (!this.isActive(now)) return;
    throw new MlopsError(
      'MLOPS_ERR_LOAD_SHEDDING',
      `${what} is held back while the platform sheds load (${this.cause}); retry after ${new Date(this.until).toISOString()}`,
      { retryAfterSeconds: Math.max(1, Math.ceil((this.until - now) / 1000)) },
    );
  }
}
