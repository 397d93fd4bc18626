import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { ApiPrincipal } from './api-key.resolver';

/** What the guard established for one request; kept beside the request object, never in its body. */
export interface AuthContext {
  principal: ApiPrincipal;
  tenantId: string | null; // the route's tenant, checked to exist and to be visible to the key
}

const contexts = new WeakMap<object, AuthContext>();

export function setAuthContext(req: object, ctx: AuthContext): void {
  contexts.set(req, ctx);
}

export function authContextOf(req: object): AuthContext | undefined {
  return contexts.get(req);
}

/** The tenant of a `/api/v1/tenants/:tenantId/...` route, already checked by ApiKeyGuard (404 otherwise). */
export const Tenant = createParamDecorator((_: unknown, ctx: ExecutionContext): string => {
  const tenantId = authContextOf(ctx.switchToHttp().getRequest<object>())?.tenantId;
  if (!tenantId) throw new Error('@Tenant() used on a route without :tenantId or without ApiKeyGuard');
  return tenantId;
});
