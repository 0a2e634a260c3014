import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { authService, ROLES } from '../../auth/index.js';
import type { Platform } from '../../platform/index.js';
import { CreatedToken, TokenInfo, TokenList, Whoami } from '../schemas/auth-api.js';
import { withErrors } from '../schemas/wire.js';
import { isAuthEnabled } from '../security.js';

/** Who am I, and token management (admin) for deployments with auth on. */
export function authRoutes(platform: Platform): FastifyPluginAsyncZod {
  const auth = authService(platform);
  return async (app) => {
    app.get(
      '/api/v1/auth/whoami',
      {
        schema: {
          tags: ['auth'],
          summary: 'Whether auth is on, and the token this request used',
          response: withErrors({ 200: Whoami }),
        },
      },
      async (request) => ({
        auth_enabled: isAuthEnabled(platform),
        principal: request.principal ?? null,
      }),
    );
    app.get(
      '/api/v1/auth/tokens',
      {
        schema: {
          tags: ['auth'],
          summary: 'Every API token (never its secret), newest first',
          response: withErrors({ 200: TokenList }),
        },
      },
      async () => ({ tokens: await auth.listTokens() }),
    );
    app.post(
      '/api/v1/auth/tokens',
      {
        bodyLimit: 4096,
        schema: {
          tags: ['auth'],
          summary: 'Create a token; its secret is in this answer only',
          body: z.object({ name: z.string().min(1).max(100), role: z.enum(ROLES) }).strict(),
          response: withErrors({ 201: CreatedToken }),
        },
      },
      async (request, reply) => {
        const created = await auth.createToken({
          name: request.body.name,
          role: request.body.role,
          createdBy: request.principal?.name ?? 'api',
        });
        return reply.code(201).send({ ...created.info, token: created.token });
      },
    );
    app.delete(
      '/api/v1/auth/tokens/:token_id',
      {
        schema: {
          tags: ['auth'],
          summary: 'Revoke a token: the next request with it is refused',
          params: z.object({ token_id: z.string().min(1).max(64) }),
          response: withErrors({ 200: TokenInfo }),
        },
      },
      async (request) => auth.revokeToken(request.params.token_id),
    );
  };
}
