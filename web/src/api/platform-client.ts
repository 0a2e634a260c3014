/** Health, readiness and who the user is. Types come from the server's schemas (src/server/schemas). */

import type { Whoami } from '../../../src/server/schemas/auth-api';
import type { HealthReport, ReadyReport } from '../../../src/server/schemas/health-api';
import { getJson } from './http';

export type { Principal, Role, Whoami } from '../../../src/server/schemas/auth-api';
export type { ComponentHealth, HealthReport, ReadyReport } from '../../../src/server/schemas/health-api';

/** Whether the server wants tokens, and whose `token` is (a 401 throws without signing anyone out). */
export const fetchWhoami = (token: string | undefined) =>
  getJson<Whoami>('/api/v1/auth/whoami', [], { check: { token } });

export const fetchReadiness = () => getJson<ReadyReport>('/ready', [503]);
export const fetchHealth = () => getJson<HealthReport>('/health');
