import { Injectable } from '@nestjs/common';
import { DomainError } from '../common/errors/domain-error';
import { generateApiKey, hashApiKey, looksLikeApiKey } from './api-key-secret';
import { ApiKeysRepository } from './api-keys.repository';
import type { ListApiKeysQueryDto } from './dto/api-key.dto';
import type { ApiKeyEntity } from './entities/api-key.entity';

const DEFAULT_PAGE_SIZE = 100;

@Injectable()
export class ApiKeysService {
  constructor(private readonly keys: ApiKeysRepository) {}

  /** The key is returned here once and never again: only its hash is stored. */
  async create(tenantId: string, name: string): Promise<{ apiKey: ApiKeyEntity; key: string }> {
    const { key, hash, prefix } = generateApiKey();
    return { apiKey: await this.keys.create(tenantId, name, hash, prefix), key };
  }

  async page(
    tenantId: string,
    q: ListApiKeysQueryDto,
  ): Promise<{ items: ApiKeyEntity[]; nextOffset: number | null }> {
    const limit = q.limit ?? DEFAULT_PAGE_SIZE;
    const offset = q.offset ?? 0;
    const rows = await this.keys.page(tenantId, { revoked: q.revoked }, { limit, offset });
    return { items: rows.slice(0, limit), nextOffset: rows.length > limit ? offset + limit : null };
  }

  async get(tenantId: string, keyId: string): Promise<ApiKeyEntity> {
    const key = await this.keys.findOne(tenantId, keyId);
    if (!key) throw new DomainError('API_KEY_NOT_FOUND', `API key ${keyId} not found`);
    return key;
  }

  /** Takes effect on the key's next request: keys are looked up on every request, never cached. */
  async revoke(tenantId: string, keyId: string): Promise<ApiKeyEntity> {
    const key = await this.keys.revoke(tenantId, keyId);
    if (!key) throw new DomainError('API_KEY_NOT_FOUND', `API key ${keyId} not found`);
    return key;
  }

  /** Null for a malformed, unknown or revoked key. */
  authenticate(key: string): Promise<{ id: string; tenantId: string } | null> {
    if (!looksLikeApiKey(key)) return Promise.resolve(null);
    return this.keys.findActive(hashApiKey(key));
  }
}
