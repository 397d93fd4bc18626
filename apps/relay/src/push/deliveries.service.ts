import { Injectable } from '@nestjs/common';
import { DomainError } from '../common/errors/domain-error';
import { assertOneWayToPage, decodeCursor, encodeCursor } from '../common/paging/cursor';
import { DeadLettersRepository } from './dead-letters.repository';
import { DeliveriesRepository } from './deliveries.repository';
import type { ListDeliveriesQueryDto } from './dto/delivery.dto';
import type { DeliveryEntity } from './entities/delivery.entity';

const DEFAULT_PAGE_SIZE = 100;

const parseKey = (v: readonly unknown[]): string | null =>
  v.length === 1 && typeof v[0] === 'string' && /^\d{1,19}$/.test(v[0]) ? v[0] : null;

/** The push log of a channel for the admin: what was sent, when, and what the API said. */
@Injectable()
export class DeliveriesService {
  constructor(
    private readonly deliveries: DeliveriesRepository,
    private readonly letters: DeadLettersRepository,
  ) {}

  async page(
    tenantId: string,
    channelId: string,
    q: ListDeliveriesQueryDto,
  ): Promise<{ items: DeliveryEntity[]; nextCursor: string | null }> {
    assertOneWayToPage(q);
    if (!(await this.letters.channelExists(tenantId, channelId)))
      throw new DomainError('CHANNEL_NOT_FOUND', `Channel ${channelId} not found`);
    const limit = q.limit ?? DEFAULT_PAGE_SIZE;
    const rows = await this.deliveries.page(
      tenantId,
      channelId,
      { sku: q.sku, status: q.status },
      q.offset !== undefined
        ? { limit, offset: q.offset }
        : { limit, beforeId: q.cursor === undefined ? null : decodeCursor(q.cursor, parseKey) },
    );
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    return { items, nextCursor: rows.length > limit && last ? encodeCursor([last.id]) : null };
  }
}
