import { describeError } from '../errors/index.js';

/** The state of one component, as `/ready` and `mlops status` show it. */
export interface ComponentHealth {
  name: string;
  status: 'up' | 'down';
  /** Which implementation serves it, e.g. `pglite`, `postgres`, `local`, `s3`. */
  backend: string;
  /** Where it lives, safe to show. */
  location: string;
  latency_ms: number;
  /** Extra facts (schema version, counts), or why it is down. */
  detail: string;
}

/** A component the platform watches. Later stages register theirs. */
export interface HealthCheck {
  readonly name: string;
  readonly backend: string;
  readonly location: string;
  /** Resolves with a detail line when healthy; rejects with the reason when not. */
  check(): Promise<string>;
}

export interface ReadinessReport {
  status: 'ready' | 'not_ready';
  components: ComponentHealth[];
}

const CHECK_TIMEOUT_MS = 3000;

/** Runs every check at once, each bounded in time; the report is ready only when all are up. */
export async function checkReadiness(checks: readonly HealthCheck[]): Promise<ReadinessReport> {
  const components = await Promise.all(checks.map(runCheck));
  return {
    status: components.every((component) => component.status === 'up') ? 'ready' : 'not_ready',
    components,
  };
}

async function runCheck(check: HealthCheck): Promise<ComponentHealth> {
  const startedAt = performance.now();
  const base = { name: check.name, backend: check.backend, location: check.location };
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
  });
  try {
    const detail = await Promise.race([check.check(), timeout]);
    return { ...base, status: 'up', latency_ms: elapsed(startedAt), detail };
  } catch (error) {
    return { ...base, status: 'down', latency_ms: elapsed(startedAt), detail: describeError(error) };
  } finally {
    clearTimeout(timer);
  }
}

function elapsed(startedAt: number): number {
  return Math.round((performance.now() - startedAt) * 100) / 100;
}
