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

/** What a channel change does to its listings. */
export interface ListingEffects {
  markDirty: boolean; // every listing must be pushed again (its desired quantity or its target may differ)
  resetRetries: boolean; // listings waiting out a backoff are tried at once (the failure may be fixed)
  forgetPushed: boolean; // the target changed: what was pushed before says nothing about what it shows now
}

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

  /** One more row than `limit`, so the caller can tell whether another page follows. */
  page(
    tenantId: string,
    filter: { kind?: ChannelKind; paused?: boolean },
    window: { limit: number; offset: number },
  ): Promise<ChannelEntity[]> {
    const q = this.db
      .getRepository(ChannelEntity)
      .createQueryBuilder('c')
      .where('c.tenant_id = :tenantId', { tenantId })
      .orderBy('c.created_at', 'ASC')
      .addOrderBy('c.id', 'ASC')
      .offset(window.offset)
      .limit(window.limit + 1);
    if (filter.kind !== undefined) q.andWhere('c.kind = :kind', { kind: filter.kind });
    if (filter.paused !== undefined) q.andWhere('c.paused = :paused', { paused: filter.paused });
    return q.getMany();
  }

  findOne(
    tenantId: string,
    id: string,
    manager: EntityManager = this.db.manager,
  ): Promise<ChannelEntity | null> {
    if (!isUuid(id)) return Promise.resolve(null);
    return manager.getRepository(ChannelEntity).findOneBy({ tenantId, id });
  }

  /** Its listings, deliveries and dead letters go with it (ON DELETE CASCADE). False when it did not exist. */
  async delete(tenantId: string, id: string): Promise<boolean> {
    if (!isUuid(id)) return false;
    const result = await this.db.getRepository(ChannelEntity).delete({ tenantId, id });
    return (result.affected ?? 0) > 0;
  }

  /**
   * Applies the changes and their effect on the channel's listings in the same transaction, so a new rule can
   * never be saved without its re-push being recorded. Null when the channel does not exist.
   */
  async update(
    tenantId: string,
    id: string,
    changes: ChannelChanges,
    effects: ListingEffects,
  ): Promise<ChannelEntity | null> {
    return this.db.transaction(async (tx) => {
      const channel = await this.findOne(tenantId, id, tx);
      if (!channel) return null;
      if (Object.keys(changes).length > 0) await tx.save(Object.assign(channel, changes));
      if (effects.markDirty || effects.resetRetries) {
        await tx.query(
          `UPDATE listings
              SET dirty_seq = CASE WHEN $3 THEN dirty_seq + 1 ELSE dirty_seq END,
                  dirty_since = CASE WHEN $3 THEN COALESCE(dirty_since, now()) ELSE dirty_since END,
                  attempts = CASE WHEN $4 THEN 0 ELSE attempts END,
                  next_attempt_at = CASE WHEN $4 THEN NULL ELSE next_attempt_at END,
                  last_pushed_quantity = CASE WHEN $5 THEN NULL ELSE last_pushed_quantity END
            WHERE tenant_id = $1 AND channel_id = $2`,
          [tenantId, id, effects.markDirty, effects.resetRetries, effects.forgetPushed],
        );
      }
      return this.findOne(tenantId, id, tx);
    });
  }
}
