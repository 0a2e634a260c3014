import type { Command } from 'commander';
import { UnavailableError, ValidationError } from '../../errors/index.js';
import { isTopic, type PublishedEvent, TOPICS } from '../../events/index.js';
import { EXIT } from '../context.js';
import { api, remote } from '../server-api.js';
import { formatTable } from '../table.js';

interface TailOptions {
  fromBeginning?: boolean;
  limit?: string;
  json?: boolean;
}

function topicArgument(value: string): string {
  if (value !== 'all' && !isTopic(value))
    throw new ValidationError(`unknown topic ${value}: one of ${TOPICS.join(', ')} (or all)`, {
      field: 'topic',
    });
  return value;
}

function positiveInteger(value: string | undefined, field: string): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1 || number > 1_000_000)
    throw new ValidationError(`--${field} must be a whole number from 1 to 1000000, got ${value}`, { field });
  return number;
}

/** One line per event: time, topic, type, key and the data, or the whole event as JSON. */
function formatEvent(event: PublishedEvent, isJson: boolean): string {
  if (isJson) return JSON.stringify(event);
  return `${event.time.replace('T', ' ').slice(0, 23)}  ${event.topic}  ${event.type}  ${event.key}  ${JSON.stringify(event.data)}`;
}

export function registerEventsCommands(program: Command): void {
  const events = program
    .command('events')
    .description(
      'the event bus: follow a topic, publish an event, see consumers and automations (talks to the running server)',
    )
    .option('--url <url>', 'base URL of the platform (default from MLOPS_HOST and MLOPS_PORT)');
  const url = () => events.opts<{ url?: string }>().url;

  events
    .command('tail <topic>')
    .description(`print a topic's events as they arrive (${TOPICS.join(', ')}, or all); Ctrl-C stops`)
    .option('--from-beginning', 'first print the newest events already published (up to --limit, or 100)')
    .option('--limit <n>', 'stop after printing this many events')
    .option('--json', 'one JSON event per line')
    .action(async (topicName: string, options: TailOptions) => {
      process.exitCode = await remote(async (base) => {
        const topic = topicArgument(topicName);
        const limit = positiveInteger(options.limit, 'limit');
        const replay = options.fromBeginning === true ? Math.min(limit ?? 100, 1000) : 0;
        const query = new URLSearchParams({ replay: String(replay) });
        if (topic !== 'all') query.set('topic', topic);
        await follow(new URL(`/api/v1/events/stream?${query}`, base), limit, (event) =>
          process.stdout.write(`${formatEvent(event, options.json === true)}\n`),
        );
        return EXIT.OK;
      }, url());
    });

  events
    .command('publish <topic> <json>')
    .description(
      'validate and publish an event: <json> is {"type": ..., "data": {...}} (optionally "source", "key", "id")',
    )
    .action(async (topicName: string, text: string) => {
      process.exitCode = await remote(async (base) => {
        const topic = topicArgument(topicName);
        if (topic === 'all') throw new ValidationError('publish to one topic, not all', { field: 'topic' });
        let body: unknown;
        try {
          body = JSON.parse(text);
        } catch (error) {
          throw new ValidationError(
            `<json> is not JSON (${(error as Error).message}): give e.g. '{"type":"user.interaction","data":{"user_id":1,"movie_id":2,"interaction_type":"watch"}}'`,
            { field: 'json' },
          );
        }
        const answer = await api<{ event_id: string; topic: string; offset: string }>(
          base,
          'POST',
          `/api/v1/events/${topic}`,
          body,
        );
        process.stdout.write(`published ${answer.event_id} on ${answer.topic} at offset ${answer.offset}\n`);
        return EXIT.OK;
      }, url());
    });

  events
    .command('consumers')
    .description("the automations' consumer groups and their lag per topic")
    .action(async () => {
      process.exitCode = await remote(async (base) => {
        const answer = await api<{
          backend: string;
          consumers: { group: string; topic: string; lag: number }[];
        }>(base, 'GET', '/api/v1/events/consumers');
        process.stdout.write(
          `${answer.backend} bus\n${formatTable(
            ['group', 'topic', 'lag'],
            answer.consumers.map((consumer) => [consumer.group, consumer.topic, String(consumer.lag)]),
          )}\n`,
        );
        return EXIT.OK;
      }, url());
    });
}

/** Reads the server-sent event stream; resolves with how many events were printed once `limit` is reached. */
async function follow(
  url: URL,
  limit: number | undefined,
  print: (event: PublishedEvent) => void,
): Promise<number> {
  let response: Response;
  const abort = new AbortController();
  try {
    response = await fetch(url, { signal: abort.signal, headers: { accept: 'text/event-stream' } });
  } catch {
    throw new UnavailableError(
      `no mlops server answers at ${url.origin}: start it with \`mlops up\` (or give --url)`,
      {
        field: 'url',
      },
    );
  }
  if (!response.ok || response.body === null)
    throw new UnavailableError(`${url.pathname} answered HTTP ${response.status}`, { field: 'url' });
  const decoder = new TextDecoder();
  let buffer = '';
  let printed = 0;
  try {
    await readBlocks();
  } finally {
    abort.abort();
  }
  return printed;

  async function readBlocks(): Promise<void> {
    if (response.body === null) return;
    for await (const chunk of response.body) {
      buffer += decoder.decode(chunk as Uint8Array, { stream: true });
      let end = buffer.indexOf('\n\n');
      while (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        end = buffer.indexOf('\n\n');
        const data = block
          .split('\n')
          .filter((line) => line.startsWith('data: '))
          .map((line) => line.slice(6))
          .join('\n');
        if (data === '') continue;
        print(JSON.parse(data) as PublishedEvent);
        printed += 1;
        if (limit !== undefined && printed >= limit) return;
      }
    }
  }
}
