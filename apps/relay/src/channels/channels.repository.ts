import { Injectable } from '@nestjs/common';
import type { ChannelRule } from '@stockbridge/shared';
import { DataSource, type EntityManager } from 'typeorm';
import { isUuid } from '../tenants/tenants.repository';
import type { ChannelKind } from './adapters/channel-adapter';
import { ChannelEntity } from './entities/channel.entity';

export interface NewChannel {
  tenantId: string;
  name: string;
  kind: ChannelKind;
  config: Record<string, unknown>;
  credentialsEncrypted: string;
  rule: ChannelRule;
  paused: boolean;
}

export type ChannelChanges = Partial<
  Pick<ChannelEntity, 'name' | 'config' | 'credentialsEncrypted' | 'rule' | 'paused'>
>;

@Injectable()
export class ChannelsRepository {
  constructor(private readonly db: DataSource) {}

  create(channel: NewChannel): Promise<ChannelEntity> {
    const repo = this.db.getRepository(ChannelEntity);
    return repo.save(repo.create(channel));
  }

  list(tenantId: string): Promise<ChannelEntity[]> {
    return this.db
      .getRepository(ChannelEntity)
      .find({ where: { tenantId }, order: { createdAt: 'ASC', id: 'ASC' } });
  }

  findOne(
    tenantId: string,
    id: string,
    manager: EntityManager = this.db.manager,
  ): Promise<ChannelEntity | null> {
    if (!isUuid(id)) return Promise.resolve(null);
    return manager.getRepository(ChannelEntity).findOneBy({ tenantId, id });
  }

  /**
   * Applies the changes and, when asked, marks every listing of the channel dirty in the same transaction, so a
   * new rule can never be saved without its re-push being recorded. Null when the channel does not exist.
   */
  async update(
    tenantId: string,
    id: string,
    changes: ChannelChanges,
    markListingsDirty: boolean,
  ): Promise<ChannelEntity | null> {
    return this.db.transaction(async (tx) => {
      const channel = await this.findOne(tenantId, id, tx);
      if (!channel) return null;
      if (Object.keys(changes).length > 0) await tx.save(Object.assign(channel, changes));
      if (markListingsDirty) {
        await tx.query(
          `UPDATE listings SET dirty_seq = dirty_seq + 1, dirty_since = COALESCE(dirty_since, now())
            WHERE tenant_id = $1 AND channel_id = $2`,
          [tenantId, id],
        );
      }
      return this.findOne(tenantId, id, tx);
    });
  }
}
