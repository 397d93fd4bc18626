import type { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { RelayEnv } from '../../config/relay-env';
import type { ApiKeysService } from '../../api-keys/api-keys.service';
import type { TenantsService } from '../../tenants/tenants.service';
import { ApiKeyGuard, apiKeyOf } from './api-key.guard';
import { ApiKeyResolver, constantTimeEquals, type ApiPrincipal } from './api-key.resolver';
import { authContextOf } from './tenant.decorator';

const TENANT_A = '11111111-1111-4111-8111-111111111111';
const TENANT_B = '22222222-2222-4222-8222-222222222222';
const ADMIN_KEY = 'admin-key-0123456789abcdefgh';

/** A resolver that also knows one tenant-scoped key (the api_keys table is covered by the e2e tests). */
class KeysWithTenantKey extends ApiKeyResolver {
  override async resolve(key: string): Promise<ApiPrincipal | null> {
    if (key === 'tenant-a-key') return { keyId: 'k-a', tenantId: TENANT_A };
    return super.resolve(key);
  }
}

function httpContext(headers: Record<string, string>, params: Record<string, string> = {}) {
  const req = { headers, params };
  const handler = (): void => undefined;
  class Controller {}
  const context = {
    getType: () => 'http',
    getHandler: () => handler,
    getClass: () => Controller,
    switchToHttp: () => ({ getRequest: () => req }),
  } as unknown as ExecutionContext;
  return { context, req };
}

const noTenantKeys = { authenticate: async () => null } as unknown as ApiKeysService;

describe('ApiKeyGuard', () => {
  const existing = new Set([TENANT_A, TENANT_B]);
  const tenants = { exists: async (id: string) => existing.has(id) } as unknown as TenantsService;
  const guard = new ApiKeyGuard(
    new Reflector(),
    new KeysWithTenantKey({ ADMIN_API_KEY: ADMIN_KEY } as RelayEnv, noTenantKeys),
    tenants,
  );

  it('refuses a missing or unknown key with UNAUTHORIZED', async () => {
    await expect(guard.canActivate(httpContext({}).context)).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await expect(
      guard.canActivate(httpContext({ authorization: 'Bearer nope' }).context),
    ).rejects.toMatchObject({ code: 'UNAUTHORIZED', message: 'Invalid API key' });
  });

  it('lets the admin key reach any existing tenant and records it for @Tenant()', async () => {
    const { context, req } = httpContext({ 'x-api-key': ADMIN_KEY }, { tenantId: TENANT_B });
    await expect(guard.canActivate(context)).resolves.toBe(true);
    expect(authContextOf(req)).toEqual({ principal: { keyId: 'admin', tenantId: null }, tenantId: TENANT_B });
  });

  it('answers TENANT_NOT_FOUND for a tenant that does not exist', async () => {
    const { context } = httpContext(
      { authorization: `Bearer ${ADMIN_KEY}` },
      { tenantId: TENANT_A.replace('1', '3') },
    );
    await expect(guard.canActivate(context)).rejects.toMatchObject({ code: 'TENANT_NOT_FOUND' });
  });

  it('gives a tenant-scoped key its own tenant, 404 on another tenant, 403 outside tenants', async () => {
    await expect(
      guard.canActivate(
        httpContext({ authorization: 'Bearer tenant-a-key' }, { tenantId: TENANT_A }).context,
      ),
    ).resolves.toBe(true);
    await expect(
      guard.canActivate(
        httpContext({ authorization: 'Bearer tenant-a-key' }, { tenantId: TENANT_B }).context,
      ),
    ).rejects.toMatchObject({ code: 'TENANT_NOT_FOUND', message: `Tenant ${TENANT_B} not found` });
    await expect(
      guard.canActivate(httpContext({ authorization: 'Bearer tenant-a-key' }).context),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });
});

describe('apiKeyOf / constantTimeEquals', () => {
  it('reads Bearer or X-Api-Key', () => {
    expect(apiKeyOf({ authorization: 'Bearer abc' })).toBe('abc');
    expect(apiKeyOf({ authorization: 'bearer   abc ' })).toBe('abc');
    expect(apiKeyOf({ 'x-api-key': 'xyz' })).toBe('xyz');
    expect(apiKeyOf({ authorization: 'Basic abc' })).toBeNull();
    expect(apiKeyOf({})).toBeNull();
  });

  it('compares keys of any length', () => {
    expect(constantTimeEquals('same', 'same')).toBe(true);
    expect(constantTimeEquals('same', 'same-but-longer')).toBe(false);
    expect(constantTimeEquals('', 'x')).toBe(false);
  });
});
