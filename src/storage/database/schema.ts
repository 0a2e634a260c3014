import type { AuthTables } from './schema/auth-tables.js';
import type { AutomationTables } from './schema/automation-tables.js';
import type { DataTables } from './schema/data-tables.js';
import type { EventTables } from './schema/event-tables.js';
import type { FeatureTables } from './schema/feature-tables.js';
import type { IdentityTables } from './schema/identity-tables.js';
import type { LineageTables } from './schema/lineage-tables.js';
import type { ModelRegistryTables } from './schema/model-registry-tables.js';
import type { MonitoringTables } from './schema/monitoring-tables.js';
import type { PipelineTables } from './schema/pipeline-tables.js';
import type { PlatformTables } from './schema/platform-tables.js';
import type { ServingTables } from './schema/serving-tables.js';
import type { TrackingTables } from './schema/tracking-tables.js';

/**
 * Tables of the metadata database, as Kysely sees them: the tables of each owning capability, composed.
 * Each migration that adds a table adds its interface to its owner's file in `schema/`; names follow
 * CONVENTIONS.md (snake_case, plural).
 */
export interface DatabaseSchema
  extends PlatformTables,
    LineageTables,
    DataTables,
    TrackingTables,
    ModelRegistryTables,
    ServingTables,
    FeatureTables,
    PipelineTables,
    MonitoringTables,
    EventTables,
    AutomationTables,
    AuthTables,
    IdentityTables {}
