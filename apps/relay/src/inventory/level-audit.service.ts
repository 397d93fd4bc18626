import { Injectable } from '@nestjs/common';
import { channelQuantity, resolveRule, type WarehouseQuantities } from '@stockbridge/shared';
import { DomainError } from '../common/errors/domain-error';
import { assertOneWayToPage, decodeCursor, encodeCursor } from '../common/paging/cursor';
import { DEFAULT_PAGE_SIZE, offsetPage, type OffsetPage } from '../common/paging/offset-page';
import { parseChannelRule, parseRuleOverride } from '../push/push-rows';
import type { ListEventsQueryDto } from './dto/events.dto';
import type { ChannelLevelDto, LevelsQueryDto } from './dto/levels.dto';
import type { LevelEventEntity } from './entities/level-event.entity';
import type { StockLevelEntity } from './entities/stock-level.entity';
import { LevelAuditRepository, type ListingOfSku, type TracedDelivery } from './level-audit.repository';

const TRACE_DELIVERIES_PER_CHANNEL = 20;

const parseIdKey = (v: readonly unknown[]): string | null =>
  v.length === 1 && typeof v[0] === 'string' && /^\d{1,19}$/.test(v[0]) ? v[0] : null;

const quantitiesOf = (l: StockLevelEntity): WarehouseQuantities => ({
  warehouse: l.warehouse,
  onHand: Number(l.onHand),
  free: Number(l.free),
  forecast: Number(l.forecast),
  active: l.active,
});

/** The admin's view of what Odoo said, what each channel should show, and where one change went. */
@Injectable()
export class LevelAuditService {
  constructor(private readonly audit: LevelAuditRepository) {}

  pageLevels(tenantId: string, q: LevelsQueryDto): Promise<OffsetPage<StockLevelEntity>> {
    return offsetPage(q, (window) =>
      this.audit.pageLevels(tenantId, { sku: q.sku, skuPrefix: q.skuPrefix, warehouse: q.warehouse }, window),
    );
  }

  /** Per listing of the SKU: the quantity the push would send now (same rule code as the push) and the last push. */
  async channelLevels(
    tenantId: string,
    sku: string,
    levels: readonly StockLevelEntity[],
  ): Promise<ChannelLevelDto[]> {
    const quantities = levels.map(quantitiesOf);
    return (await this.audit.listingsOfSku(tenantId, sku)).map((l) => toChannelLevel(l, quantities));
  }

  async pageEvents(
    tenantId: string,
    q: ListEventsQueryDto,
  ): Promise<{ items: LevelEventEntity[]; nextCursor: string | null }> {
    assertOneWayToPage(q);
    if (q.from !== undefined && q.to !== undefined && q.from > q.to)
      throw new DomainError('VALIDATION_FAILED', 'from: must not be after to', ['from: after to']);
    const limit = q.limit ?? DEFAULT_PAGE_SIZE;
    const rows = await this.audit.pageEvents(
      tenantId,
      { sku: q.sku, from: q.from, to: q.to },
      q.offset !== undefined
        ? { limit, offset: q.offset }
        : { limit, beforeId: q.cursor === undefined ? null : decodeCursor(q.cursor, parseIdKey) },
    );
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    return { items, nextCursor: rows.length > limit && last ? encodeCursor([last.id]) : null };
  }

  /**
   * One change from Odoo to each channel: the event, the level it is part of, and per listing of its SKU the
   * pushes from the event's arrival on. Pushes carry the current quantity, so a later change may share them.
   */
  async trace(
    tenantId: string,
    eventId: string,
  ): Promise<{
    event: LevelEventEntity;
    level: StockLevelEntity | null;
    listings: ListingOfSku[];
    deliveries: TracedDelivery[];
  }> {
    const event = await this.audit.findEvent(tenantId, eventId);
    if (!event) throw new DomainError('EVENT_NOT_FOUND', `Event ${eventId} not found`);
    const level = await this.audit.findLevel(tenantId, event.agentId, event.warehouse, event.productId);
    if (event.sku === null) return { event, level, listings: [], deliveries: [] };
    const [listings, deliveries] = await Promise.all([
      this.audit.listingsOfSku(tenantId, event.sku),
      this.audit.deliveriesSince(tenantId, event.sku, event.receivedAt, TRACE_DELIVERIES_PER_CHANNEL),
    ]);
    return { event, level, listings, deliveries };
  }
}

function toChannelLevel(l: ListingOfSku, levels: readonly WarehouseQuantities[]): ChannelLevelDto {
  const rule = parseChannelRule(l.rule, 'rule');
  const override = parseRuleOverride(l.ruleOverride, 'ruleOverride');
  const effective = rule.ok && override.ok ? resolveRule(rule.value, override.value) : null;
  return {
    channelId: l.channelId,
    channelName: l.channelName,
    kind: l.channelKind,
    paused: l.paused,
    listingId: l.listingId,
    externalId: l.externalId,
    rule: effective,
    desiredQuantity: effective && levels.length > 0 ? channelQuantity(levels, effective) : null,
    lastPushedQuantity: l.lastPushedQuantity,
    lastPushedAt: l.lastPushedAt ? new Date(l.lastPushedAt).toISOString() : null,
    dirty: l.dirty,
    attempts: l.attempts,
    lastError: l.lastError,
  };
}
