import type { ServerResponse } from 'node:http';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { authService, STREAM_TICKET_TTL_MS } from '../../auth/index.js';
import {
  consumerName,
  type EventBus,
  type PublishedEvent,
  type Subscription,
  TOPICS,
} from '../../events/index.js';
import type { Platform } from '../../platform/index.js';
import { StreamTicket } from '../schemas/event-api.js';
import { withErrors } from '../schemas/wire.js';

type ZodApp = Parameters<FastifyPluginAsyncZod>[0];

const topic = z.enum(TOPICS).describe(`one of ${TOPICS.join(', ')}`);

/**
 * The live stream of events (server-sent events) for the UI and `mlops events tail`, and the single-use
 * tickets browsers open it with. Registered by eventRoutes, in its scope.
 */
export function registerEventStreamRoutes(app: ZodApp, platform: Platform, bus: EventBus): void {
  const auth = authService(platform);
  const live = new LiveEvents(bus);
  // Before the server waits for open requests: streams never finish on their own.
  app.addHook('preClose', async () => live.stop());

  app.post(
    '/api/v1/events/stream-ticket',
    {
      schema: {
        tags: ['events'],
        summary:
          'A single-use ticket, valid 60 s, that opens the live stream once (GET /api/v1/events/stream?ticket=): browsers put it in the URL instead of their API token',
        response: withErrors({ 200: StreamTicket }),
      },
    },
    async (request) => {
      const principal = request.principal;
      const expiresAt = new Date(Date.now() + STREAM_TICKET_TTL_MS);
      // With tokens off the stream needs no ticket: null says so.
      if (principal === undefined)
        return {
          ticket: null,
          expires_at: expiresAt.toISOString(),
          expires_in_seconds: STREAM_TICKET_TTL_MS / 1000,
        };
      const issued = await auth.issueStreamTicket(principal);
      return {
        ticket: issued.ticket,
        expires_at: issued.expiresAt.toISOString(),
        expires_in_seconds: STREAM_TICKET_TTL_MS / 1000,
      };
    },
  );

  app.get(
    '/api/v1/events/stream',
    {
      schema: {
        tags: ['events'],
        summary: 'Live events as server-sent events (`event: mlops`, data: the event JSON)',
        querystring: z.object({
          topic: topic.optional(),
          replay: z.coerce
            .number()
            .int()
            .min(0)
            .max(1000)
            .default(0)
            .describe('send this many recent events first'),
          ticket: z
            .string()
            .max(256)
            .optional()
            .describe(
              'a single-use ticket from POST /api/v1/events/stream-ticket, for clients that cannot send headers (EventSource); valid 60 s',
            ),
        }),
      },
    },
    async (request, reply) => {
      const { topic: only, replay } = request.query;
      // Observe first, then read the replay: nothing published in between is missed (ids de-duplicate).
      await live.open();
      const sent = new Set<string>();
      const pending: PublishedEvent[] = [];
      let isReplaying = true;
      reply.hijack();
      const raw = reply.raw;
      const send = (event: PublishedEvent) => {
        if (sent.has(event.id) || (only !== undefined && event.topic !== only)) return;
        sent.add(event.id);
        if (sent.size > 20_000) sent.clear();
        raw.write(sse(event));
      };
      const remove = live.add(raw, (event) => (isReplaying ? pending.push(event) : send(event)));
      // Before any wait: a client gone during the replay must not leave its timer and listener behind.
      const keepAlive = setInterval(() => raw.write(': keep-alive\n\n'), 15_000);
      request.raw.on('close', () => {
        clearInterval(keepAlive);
        remove();
      });
      raw.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      raw.write(`: connected to the ${bus.backend} event bus\n\n`);
      const earlier =
        replay === 0
          ? []
          : await bus
              .recent({ limit: replay, ...(only === undefined ? {} : { topic: only }) })
              .catch(() => []);
      if (raw.destroyed) return;
      for (const event of earlier.reverse()) send(event);
      isReplaying = false;
      for (const event of pending.splice(0)) send(event);
    },
  );
}

function sse(event: PublishedEvent): string {
  return `id: ${event.id}\nevent: mlops\ndata: ${JSON.stringify(event)}\n\n`;
}

/**
 * One observer subscription shared by every stream client: a consumer group of this process that starts
 * at the newest event and records nothing per event, so clients see every event published from then on,
 * whoever published it (the CLI, workers, other replicas). Open streams are ended when the server closes.
 */
class LiveEvents {
  private readonly listeners = new Set<(event: PublishedEvent) => void>();
  private readonly streams = new Set<ServerResponse>();
  private subscription: Promise<Subscription> | undefined;

  constructor(private readonly bus: EventBus) {}

  /** Starts observing (once); resolves when events published from now on will be seen. */
  async open(): Promise<void> {
    this.subscription ??= this.bus
      .subscribe({
        group: `mlops-live-${consumerName()}`,
        topics: TOPICS,
        start: 'latest',
        isIdempotent: false,
        handler: async (event) => {
          for (const listener of this.listeners) listener(event);
        },
      })
      .catch((error: unknown) => {
        this.subscription = undefined;
        throw error;
      });
    await this.subscription;
  }

  add(stream: ServerResponse, listener: (event: PublishedEvent) => void): () => void {
    this.listeners.add(listener);
    this.streams.add(stream);
    return () => {
      this.listeners.delete(listener);
      this.streams.delete(stream);
    };
  }

  async stop(): Promise<void> {
    for (const stream of this.streams) stream.end();
    this.streams.clear();
    this.listeners.clear();
    const subscription = await this.subscription?.catch(() => undefined);
    await subscription?.stop();
  }
}
