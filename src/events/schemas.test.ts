import { describe, expect, expectTypeOf, it } from 'vitest';
import type { EventBus } from './event-bus.js';
import { buildEvent, type EventInput, isEventOf, type MlopsEvent } from './schemas.js';

// Type tests: `npm run typecheck` fails if a line marked @ts-expect-error compiles.
function producers(bus: EventBus) {
  void bus.publish('registry-events', {
    type: 'model.promoted',
    data: { model_name: 'm', version: '2', previous_version: '1', reasons: [] },
  });
  // @ts-expect-error: a type of another topic
  void bus.publish('registry-events', { type: 'user.interaction', data: {} });
  // @ts-expect-error: model.promoted's data needs a version
  void bus.publish('registry-events', { type: 'model.promoted', data: { model_name: 'm', reasons: [] } });
  void bus.publish('user-events', {
    type: 'user.interaction',
    // @ts-expect-error: an interaction kind the schema does not know
    data: { user_id: 'u', movie_id: 1, interaction_type: 'poke' },
  });
}

describe('typed events', () => {
  it('narrows an event read off the bus to its topic and type, with its data typed', () => {
    const event: MlopsEvent = buildEvent('model-drift-alerts', {
      type: 'model.drift_detected',
      data: { model_name: 'm', model_version: '1', drift_score: 0.8, threshold: 0.5, drift_type: 'data' },
    });
    expect(isEventOf(event, 'model-drift-alerts', 'model.drift_detected')).toBe(true);
    expect(isEventOf(event, 'user-events', 'user.interaction')).toBe(false);
    if (isEventOf(event, 'model-drift-alerts', 'model.drift_detected')) {
      expectTypeOf(event.data.drift_score).toEqualTypeOf<number>();
      expectTypeOf(event.data.drift_type).toEqualTypeOf<'data' | 'prediction' | 'concept' | 'feature'>();
    }
    expectTypeOf<EventInput<'system-health'>['type']>().toEqualTypeOf<
      'system.overload' | 'alert.firing' | 'alert.resolved'
    >();
    expect(producers).toBeTypeOf('function');
  });
});
