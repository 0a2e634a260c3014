export { announcePromotion } from './announce.js';
export { EmbeddedEventBus } from './embedded-event-bus.js';
export { EventBuffer, type EventBufferOptions } from './event-buffer.js';
export {
  consumerName,
  deliverBatch,
  type EventBus,
  type EventHandler,
  type PublishedEvent,
  type SubscribeOptions,
  type Subscription,
} from './event-bus.js';
export type { KafkaEventBus } from './kafka-event-bus.js';
export { openEventBus } from './open-event-bus.js';
export type { RedisEventBus } from './redis-event-bus.js';
export {
  buildEvent,
  decodeEvent,
  EVENT_INTERACTION_TYPES,
  EVENT_SCHEMAS,
  type EventInput,
  type EventMeta,
  type EventType,
  isDriftAboveThreshold,
  isEventOf,
  isTopic,
  type MlopsEvent,
  TOPICS,
  type Topic,
  type TypedEvent,
} from './schemas.js';
