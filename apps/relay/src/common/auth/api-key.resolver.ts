import { Injectable } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import { ApiKeysService } from '../../api-keys/api-keys.service';
import { RelayEnv } from '../../config/relay-env';

/**
 * Who an API key speaks for. `tenantId: null` is the operator's global admin key (ADMIN_API_KEY); a tenant
 * key (api_keys table, stored hashed) carries its tenant and sees only that tenant's routes.
 */
export interface ApiPrincipal {
  keyId: string; // for audit logs; never the key itself
  tenantId: string | null;
}

const sha256 = (v: string): Buffer => createHash('sha256').update(v, 'utf8').digest();

/** Equal-length digests, so the comparison takes the same time whatever the key's length or content. */
export function constantTimeEquals(a: string, b: string): boolean {
  return timingSafeEqual(sha256(a), sha256(b));
}

@Injectable()
export class ApiKeyResolver {
  constructor(
    private readonly env: RelayEnv,
    private readonly apiKeys: ApiKeysService,
  ) {}

  /** Null when the key is unknown or revoked. Tenant keys are read on every request: a revoke is immediate. */
  async resolve(key: string): Promise<ApiPrincipal | null> {
    if (constantTimeEquals(key, this.env.ADMIN_API_KEY)) return { keyId: 'admin', tenantId: null };
    const found = await this.apiKeys.authenticate(key);
    return found ? { keyId: found.id, tenantId: found.tenantId } : null;
  }
}
