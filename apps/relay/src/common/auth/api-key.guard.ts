import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { TenantsService } from '../../tenants/tenants.service';
import { DomainError } from '../errors/domain-error';
import { ApiKeyResolver } from './api-key.resolver';
import { PUBLIC_ROUTE } from './auth.decorators';
import { setAuthContext } from './tenant.decorator';

interface GuardedRequest {
  headers: Record<string, string | string[] | undefined>;
  params?: Record<string, string | undefined>;
}

/** `Authorization: Bearer <key>` or `X-Api-Key: <key>`. */
export function apiKeyOf(headers: GuardedRequest['headers']): string | null {
  const auth = headers['authorization'];
  if (typeof auth === 'string') {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    if (match?.[1]) return match[1];
  }
  const key = headers['x-api-key'];
  return typeof key === 'string' && key.length > 0 ? key : null;
}

/**
 * Global guard: every route needs a key unless @Public(). On tenant routes it resolves the tenant: a tenant that
 * does not exist, and one the key may not see, both answer 404 TENANT_NOT_FOUND (no probing of other tenants' ids).
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly keys: ApiKeyResolver,
    private readonly tenants: TenantsService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true; // agents authenticate at the WebSocket upgrade
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;

    const req = context.switchToHttp().getRequest<GuardedRequest>();
    const key = apiKeyOf(req.headers);
    if (!key)
      throw new DomainError('UNAUTHORIZED', 'Missing API key: send Authorization: Bearer <key> or X-Api-Key');
    const principal = await this.keys.resolve(key);
    if (!principal) throw new DomainError('UNAUTHORIZED', 'Invalid API key');

    const routeTenant = req.params?.['tenantId'];
    if (routeTenant === undefined) {
      // Routes outside a tenant (creating tenants, operator views) are for the global key only.
      if (principal.tenantId !== null) {
        throw new DomainError(
          'FORBIDDEN',
          'This API key is scoped to one tenant; this action needs the admin key',
        );
      }
      setAuthContext(req, { principal, tenantId: null });
      return true;
    }
    const visible = principal.tenantId === null || principal.tenantId === routeTenant;
    if (!visible || !(await this.tenants.exists(routeTenant))) {
      throw new DomainError('TENANT_NOT_FOUND', `Tenant ${routeTenant} not found`);
    }
    setAuthContext(req, { principal, tenantId: routeTenant });
    return true;
  }
}
