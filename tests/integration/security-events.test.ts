import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken, issueStreamTicket, revokeToken } from '../../src/auth/index.js';
import { type App, buildApp } from '../../src/server/index.js';
import { openTestPlatform, type TestPlatform } from '../helpers/platform.js';

let test: TestPlatform;
let app: App;
let baseUrl = '';
const tokens = { viewer: '', editor: '', admin: '' };
const ids = { viewer: '', editor: '', admin: '' };
const as = (role: keyof typeof tokens) => ({ authorization: `Bearer ${tokens[role]}` });

beforeAll(async () => {
  test = await openTestPlatform({ MLOPS_AUTH: 'on', MLOPS_RATE_LIMIT_PER_MINUTE: '0' });
  app = await buildApp(test.platform);
  for (const role of ['viewer', 'editor', 'admin'] as const) {
    const created = await createToken(test.platform.database.db, { name: role, role, createdBy: 'test' });
    tokens[role] = created.token;
    ids[role] = created.info.token_id;
  }
  baseUrl = await app.listen({ host: '127.0.0.1', port: 0 });
}, 60_000);

afterAll(async () => {
  await app?.close();
  await test?.dispose();
});

async function storedEvent(eventId: string) {
  const recent = await app.inject({ url: '/api/v1/events?limit=50', headers: as('admin') });
  return (recent.json().events as { id: string; source: string; topic: string }[]).find(
    (event) => event.id === eventId,
  );
}

describe('platform topics are reserved; every event carries the token that published it', () => {
  const platformEvents: [string, object][] = [
    [
      'registry-events',
      {
        type: 'model.promoted',
        data: { model_name: 'movie_predictor', version: '1', previous_version: null, reasons: ['forged'] },
      },
    ],
    [
      'system-health',
      {
        type: 'alert.firing',
        data: { name: 'MlopsHighErrorRatio', severity: 'critical', summary: 'x', value: 1, description: 'x' },
      },
    ],
    ['pipeline-events', { type: 'pipeline.run_finished', data: {} }],
    ['dead-letter', { type: 'event.dead_lettered', data: {} }],
    ['model-drift-alerts', { type: 'model.drift_detected', data: {} }],
    ['movie-recommendations', { type: 'recommendation.served', data: {} }],
  ];

  it('refuses an editor on every topic the platform emits, naming the topic and the way to do it', async () => {
    const before = (await app.inject({ url: '/api/v1/events?limit=1000', headers: as('admin') })).json()
      .count;
    for (const [topic, body] of platformEvents) {
      const answer = await app.inject({
        method: 'POST',
        url: `/api/v1/events/${topic}`,
        headers: as('editor'),
        payload: { ...body, source: 'registry' },
      });
      expect(answer.statusCode, topic).toBe(403);
      expect(answer.json(), topic).toMatchObject({
        error_code: 'MLOPS_ERR_FORBIDDEN',
        field: 'params.topic',
      });
      expect(answer.json().message).toMatch(new RegExp(`topic ${topic} is reserved to the platform`));
    }
    const after = (await app.inject({ url: '/api/v1/events?limit=1000', headers: as('admin') })).json().count;
    expect(after).toBe(before);
  });

  it('lets an editor publish user events, stamped with the token id whatever source it claims', async () => {
    const answer = await app.inject({
      method: 'POST',
      url: '/api/v1/events/user-events',
      headers: as('editor'),
      payload: {
        type: 'user.interaction',
        data: { user_id: 5, movie_id: 1, interaction_type: 'like' },
        source: 'registry',
      },
    });
    expect(answer.statusCode).toBe(202);
    expect((await storedEvent(answer.json().event_id))?.source).toBe(`registry (token:${ids.editor})`);
    const trigger = await app.inject({
      method: 'POST',
      url: '/api/v1/trigger/model-drift',
      headers: as('editor'),
      payload: {
        model_name: 'movie_predictor',
        model_version: '1',
        drift_score: 0.1,
        threshold: 0.5,
      },
    });
    expect(trigger.statusCode).toBe(202);
    expect((await storedEvent(trigger.json().event_id))?.source).toBe(`token:${ids.editor}`);
  });

  it('lets an admin publish on a platform topic (replays, operations), still stamped', async () => {
    const [topic, body] = platformEvents[0] as [string, object];
    const answer = await app.inject({
      method: 'POST',
      url: `/api/v1/events/${topic}`,
      headers: as('admin'),
      payload: body,
    });
    expect(answer.statusCode).toBe(202);
    expect((await storedEvent(answer.json().event_id))?.source).toBe(`token:${ids.admin}`);
  });
});

describe('the live stream opens with a short-lived, single-use ticket, never a token in the URL', () => {
  const open = (query: string, headers: Record<string, string> = {}) => {
    const abort = new AbortController();
    return fetch(`${baseUrl}/api/v1/events/stream?${query}`, { headers, signal: abort.signal }).then(
      (response) => ({ response, close: () => abort.abort() }),
    );
  };

  it('refuses ?access_token= with a 401 saying what to do instead', async () => {
    const { response, close } = await open(`access_token=${tokens.viewer}`);
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({
      error_code: 'MLOPS_ERR_AUTH_INVALID',
      field: 'querystring.access_token',
    });
    close();
  });

  it('opens once with a ticket; the same ticket again, an unknown one or none at all is a 401', async () => {
    const issued = await app.inject({
      method: 'POST',
      url: '/api/v1/events/stream-ticket',
      headers: as('viewer'),
    });
    expect(issued.statusCode).toBe(200);
    const { ticket, expires_in_seconds: seconds } = issued.json();
    expect(ticket).toMatch(/^st_/);
    expect(seconds).toBe(60);
    const first = await open(`ticket=${ticket}&replay=0`);
    expect(first.response.status).toBe(200);
    expect(first.response.headers.get('content-type')).toMatch(/text\/event-stream/);
    first.close();
    const again = await open(`ticket=${ticket}`);
    expect(again.response.status).toBe(401);
    expect(((await again.response.json()) as { message: string }).message).toMatch(
      /unknown, expired or already used/,
    );
    for (const query of ['ticket=st_nope', '']) {
      const refused = await open(query);
      expect(refused.response.status, query).toBe(401);
      refused.close();
    }
  });

  it('refuses an expired ticket, and the ticket of a token revoked since', async () => {
    const db = test.platform.database.db;
    const principal = { token_id: ids.viewer, name: 'viewer', role: 'viewer' as const };
    const expired = await issueStreamTicket(db, principal, new Date(Date.now() - 61_000));
    expect((await open(`ticket=${expired.ticket}`)).response.status).toBe(401);
    const other = await createToken(db, { name: 'temp', role: 'viewer', createdBy: 'test' });
    const ticket = await issueStreamTicket(db, {
      token_id: other.info.token_id,
      name: 'temp',
      role: 'viewer',
    });
    await revokeToken(db, other.info.token_id);
    expect((await open(`ticket=${ticket.ticket}`)).response.status).toBe(401);
  });
});
