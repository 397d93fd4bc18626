import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { DeliveryStatus } from './entities/delivery.entity';
import { DeliveryEntity } from './entities/delivery.entity';

export type DeliveryWindow = { limit: number; offset: number } | { limit: number; beforeId: string | null };

/** The push log, read for the admin; every query takes the tenant. */
@Injectable()
export class DeliveriesRepository {
  constructor(private readonly db: DataSource) {}

  /** Newest first by id (ids only grow); one row more than `limit`, so the caller knows a next page exists. */
  page(
    tenantId: string,
    channelId: string,
    filter: { sku?: string; status?: DeliveryStatus },
    window: DeliveryWindow,
  ): Promise<DeliveryEntity[]> {
    const q = this.db
      .getRepository(DeliveryEntity)
      .createQueryBuilder('d')
      .where('d.tenant_id = :tenantId AND d.channel_id = :channelId', { tenantId, channelId })
      .orderBy('d.id', 'DESC')
      .limit(window.limit + 1);
    if (filter.sku !== undefined) q.andWhere('d.sku = :sku', { sku: filter.sku });
    if (filter.status !== undefined) q.andWhere('d.status = :status', { status: filter.status });
    if ('offset' in window) q.offset(window.offset);
    else if (window.beforeId !== null) q.andWhere('d.id < :beforeId::bigint', { beforeId: window.beforeId });
    return q.getMany();
  }
}
