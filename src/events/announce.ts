import { describeError } from '../errors/index.js';
import type { Logger } from '../logging/index.js';
import type { EventBus } from './event-bus.js';

/**
 * Tells every process that a model's champion changed (`model.promoted` on registry-events): serving
 * replicas swap at once instead of at their next poll. The registry change has already happened, so a
 * bus that cannot take the event only loses that head start: the failure is logged, never thrown.
 */
export async function announcePromotion(
  events: () => Promise<EventBus>,
  logger: Logger,
  source: string,
  data: { model_name: string; version: string; previous_version: string | null; reasons: string[] },
): Promise<void> {
  try {
    const bus = await events();
    await bus.publish('registry-events', {
      type: 'model.promoted',
      source,
      data: { ...data, reasons: data.reasons.map((reason) => reason.slice(0, 4096)).slice(0, 100) },
    });
  } catch (error) {
    logger.warn(
      { component: 'EVENTS', action: 'ANNOUNCE_FAILED', model: data.model_name, err: error },
      `model.promoted for ${data.model_name} v${data.version} was not published (serving replicas will see it at their next poll): ${describeError(error)}`,
    );
  }
}
