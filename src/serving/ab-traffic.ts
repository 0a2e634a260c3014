import type { ExternalUserId } from '../identity/index.js';
import type { ServedModels } from './registry-follower.js';
import type { Variant } from './served-model.js';

/** A/B assignment and per-arm traffic: which arm serves a user, and what each arm saw since start. */

interface VariantStats {
  requests: number;
  users: Set<ExternalUserId>;
  feedback: Record<string, number>;
}

/** 0–99 from the user id: FNV-1a over its characters, so the split is stable across restarts and replicas. */
export function bucketOf(user: ExternalUserId): number {
  let hash = 0x811c9dc5;
  for (const char of String(user)) {
    hash ^= char.charCodeAt(0);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % 100;
}

/** Counts requests, users and feedback per A/B arm, in memory, since the process started. */
export class AbTraffic {
  private readonly stats: Record<Variant, VariantStats> = {
    champion: emptyStats(),
    challenger: emptyStats(),
  };

  /** Which arm serves a user: sticky, by a hash of the id they are known by, when a challenger is loaded. */
  static variantOf(user: ExternalUserId, models: ServedModels, challengerPercent: number): Variant {
    if (models.challenger === undefined || challengerPercent === 0) return 'champion';
    return bucketOf(user) < challengerPercent ? 'challenger' : 'champion';
  }

  countRequest(variant: Variant, user: ExternalUserId | null): void {
    const stats = this.stats[variant];
    stats.requests++;
    if (user !== null && stats.users.size < 1_000_000) stats.users.add(user);
  }

  countFeedback(variant: Variant, type: string): void {
    const counts = this.stats[variant].feedback;
    counts[type] = (counts[type] ?? 0) + 1;
  }

  /** Per-variant traffic and online feedback since the process started. */
  report(models: ServedModels, challengerPercent: number) {
    const variant = (name: Variant) => {
      const model = models[name];
      const stats = this.stats[name];
      const feedback = Object.values(stats.feedback).reduce((sum, count) => sum + count, 0);
      const likes = (stats.feedback.like ?? 0) + (stats.feedback.watch ?? 0) + (stats.feedback.click ?? 0);
      return {
        variant: name,
        model:
          model === undefined
            ? null
            : { name: model.name, version: model.version.version, algorithm: model.algorithm },
        requests: stats.requests,
        users: stats.users.size,
        feedback: { total: feedback, ...stats.feedback },
        feedback_rate: stats.requests === 0 ? 0 : feedback / stats.requests,
        positive_rate: feedback === 0 ? 0 : likes / feedback,
      };
    };
    return {
      enabled: models.challenger !== undefined && challengerPercent > 0,
      challenger_percent: challengerPercent,
      assignment: 'sticky: FNV-1a hash of user_id mod 100',
      variants: [variant('champion'), variant('challenger')],
    };
  }
}

function emptyStats(): VariantStats {
  return { requests: 0, users: new Set(), feedback: {} };
}
