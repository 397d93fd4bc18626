import { Injectable } from '@nestjs/common';
import { DomainError } from '../common/errors/domain-error';
import { offsetPage, type OffsetPage } from '../common/paging/offset-page';
import { generateApiKey, hashApiKey, looksLikeApiKey } from './api-key-secret';
import { ApiKeysRepository } from './api-keys.repository';
import type { ListApiKeysQueryDto } from './dto/api-key.dto';
import type { ApiKeyEntity } from './entities/api-key.entity';

@Injectable()
export class ApiKeysService {
  constructor(private readonly keys: ApiKeysRepository) {}

  /** The key is returned here once and never again: only its hash is stored. */
  async create(tenantId: string, name: string): Promise<{ apiKey: ApiKeyEntity; key: string }> {
    const { key, hash, prefix } = generateApiKey();
    return { apiKey: await this.keys.create(tenantId, name, hash, prefix), key };
  }

  page(tenantId: string, q: ListApiKeysQueryDto): Promise<OffsetPage<ApiKeyEntity>> {
    return offsetPage(q, (window) => this.keys.page(tenantId, { revoked: q.revoked }, window));
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
