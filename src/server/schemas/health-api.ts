import { z } from 'zod';

/** `GET /health`: the process answers. */
export const HealthReport = z.object({
  status: z.literal('ok'),
  service: z.string(),
  version: z.string(),
  uptime_seconds: z.number(),
  timestamp: z.string(),
});
export type HealthReport = z.input<typeof HealthReport>;

export const ComponentHealth = z.object({
  name: z.string(),
  status: z.enum(['up', 'down']),
  backend: z.string(),
  location: z.string(),
  latency_ms: z.number(),
  detail: z.string(),
});
export type ComponentHealth = z.input<typeof ComponentHealth>;

/** `GET /ready`: the state of every component (HTTP 503 with the same body when one is down). */
export const ReadyReport = z.object({
  status: z.enum(['ready', 'not_ready']),
  service: z.string(),
  version: z.string(),
  components: z.array(ComponentHealth),
  timestamp: z.string(),
});
export type ReadyReport = z.input<typeof ReadyReport>;
