import { Hono } from 'hono';
import * as v from 'valibot';
import type { ApiTokenView } from '../../shared/api';
import { ApiTokenInput, type ApiTokenCreated } from '../../shared/api-token';
import type { AppDeps, AppEnv } from '../deps';
import { ApiError, parseBody } from '../http/api-error';
import { auditBy } from '../http/auth';

type Deps = Pick<AppDeps, 'apiTokens' | 'audit' | 'notifyOwners' | 'now'>;

const DAY_MS = 86_400_000;
const TokenId = v.pipe(v.string(), v.regex(/^\d{1,12}$/), v.transform(Number));

/** Named API tokens, made, listed and revoked by owners (routes/openapi.ts says so, http/auth.ts enforces it). */
export function tokenRoutes(deps: Deps): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  const now = () => (deps.now ?? Date.now)();
  routes.get('/tokens', async (c) => c.json({ tokens: await deps.apiTokens.list('api', now()) } satisfies { tokens: ApiTokenView[] }));
  routes.post('/tokens', async (c) => {
    const input = await parseBody(c, ApiTokenInput);
    const by = auditBy(c);
    const { token, view } = await deps.apiTokens.create(
      { name: input.name, role: input.role, expiresAt: now() + input.expiresInDays * DAY_MS, createdBy: by.actor ?? '' },
      now(),
    );
    await deps.audit.record('api-token.created', { id: view.id, name: view.name, role: view.role, expiresAt: view.expiresAt }, by);
    deps.notifyOwners({
      subject: `an API token with the ${view.role} role was made`,
      lines: [`${by.actor ?? 'An owner'} made the API token "${view.name}" (${view.role}, until ${view.expiresAt}) from ${by.source ?? 'an unknown address'}.`],
    });
    return c.json({ token, id: view.id, name: view.name, role: view.role, expiresAt: view.expiresAt } satisfies ApiTokenCreated, 201);
  });
  routes.delete('/tokens/:id', async (c) => {
    const id = v.safeParse(TokenId, c.req.param('id'));
    const revoked = id.success ? await deps.apiTokens.revoke('api', id.output, now()) : null;
    if (!revoked) throw new ApiError('NOT_FOUND', { message: 'No API token has this id.' });
    const by = auditBy(c);
    await deps.audit.record('api-token.revoked', { id: revoked.id, name: revoked.name, role: revoked.role }, by);
    deps.notifyOwners({
      subject: 'an API token was revoked',
      lines: [`${by.actor ?? 'An owner'} revoked the API token "${revoked.name}" (${revoked.role}) from ${by.source ?? 'an unknown address'}.`],
    });
    return c.body(null, 204);
  });
  return routes;
}
