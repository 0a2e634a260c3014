import Fastify from 'fastify';
import { validatorCompiler } from 'fastify-type-provider-zod';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { responseSerializer } from './response-serializer.js';
import { isoDateTime } from './schemas/wire.js';

async function answer(isStrict: boolean, schema: z.ZodType, body: unknown, trusted: unknown[] = []) {
  const app = Fastify();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(responseSerializer({ isStrict, trusted }));
  app.get('/', { schema: { response: { 200: schema } } }, async () => body);
  const response = await app.inject({ method: 'GET', url: '/' });
  await app.close();
  return response;
}

describe('responseSerializer', () => {
  const schema = z.object({ id: z.string(), at: isoDateTime });
  const at = new Date('2026-01-02T03:04:05.000Z');

  it('sends what the schema describes, dates as ISO strings', async () => {
    const response = await answer(true, schema, { id: 'a', at });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ id: 'a', at: '2026-01-02T03:04:05.000Z' });
  });

  it('strict: an answer the schema would strip fails, naming the field', async () => {
    const response = await answer(true, schema, { id: 'a', at, extra: 1 });
    expect(response.statusCode).toBe(500);
    expect(response.json().message).toMatch(/changes the answer at \$\.extra/);
  });

  it('not strict: the schema strips it, as zod does', async () => {
    const response = await answer(false, schema, { id: 'a', at, extra: 1 });
    expect(response.json()).toEqual({ id: 'a', at: '2026-01-02T03:04:05.000Z' });
  });

  it('not strict: a trusted answer goes out as built, without the zod pass', async () => {
    const response = await answer(false, schema, { id: 'a', at, extra: 1 }, [schema]);
    expect(response.json()).toEqual({ id: 'a', at: '2026-01-02T03:04:05.000Z', extra: 1 });
    const other = z.object({ id: z.string() });
    const untrusted = await answer(false, other, { id: 'a', extra: 1 }, [schema]);
    expect(untrusted.json()).toEqual({ id: 'a' });
  });

  it('strict: a trusted answer is still checked against its schema', async () => {
    const response = await answer(true, schema, { id: 'a', at, extra: 1 }, [schema]);
    expect(response.statusCode).toBe(500);
    expect(response.json().message).toMatch(/changes the answer at \$\.extra/);
  });

  it('is strict under tests (NODE_ENV=test)', () => {
    expect(process.env.NODE_ENV).toBe('test');
  });
});
