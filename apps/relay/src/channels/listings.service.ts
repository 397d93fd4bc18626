import { Injectable } from '@nestjs/common';
import { DomainError } from '../common/errors/domain-error';
import { isUniqueViolation } from '../database/pg-errors';
import { isUuid } from '../tenants/tenants.repository';
import { ChannelsService } from './channels.service';
import { ruleFields } from './dto/channel-rule.dto';
import type { CreateListingDto, ListListingsQueryDto, UpdateListingDto } from './dto/listing.dto';
import type { ListingEntity } from './entities/listing.entity';
import { ListingsRepository, type ListingChanges } from './listings.repository';

/** A listing found for a channel (discovery): where the SKU lives there. */
export interface ListingTargetInput {
  sku: string;
  externalId: string;
  extra: Record<string, unknown>;
}

const DEFAULT_PAGE_SIZE = 100;

/** Opaque to clients: base64url of the last row's [sku, id]. */
const encodeCursor = (l: ListingEntity): string =>
  Buffer.from(JSON.stringify([l.sku, l.id])).toString('base64url');

function decodeCursor(cursor: string): { sku: string; id: string } {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(value) &&
      typeof value[0] === 'string' &&
      typeof value[1] === 'string' &&
      isUuid(value[1])
    ) {
      return { sku: value[0], id: value[1] };
    }
  } catch {
    // reported below
  }
  throw new DomainError('VALIDATION_FAILED', 'cursor: not a cursor this API returned', ['cursor: invalid']);
}

@Injectable()
export class ListingsService {
  constructor(
    private readonly listings: ListingsRepository,
    private readonly channels: ChannelsService,
  ) {}

  /** A new listing is dirty, so its first quantity goes out as soon as the push pipeline is nudged. */
  async create(tenantId: string, channelId: string, dto: CreateListingDto): Promise<ListingEntity> {
    await this.channels.get(tenantId, channelId);
    let listing: ListingEntity;
    try {
      listing = await this.listings.create({
        tenantId,
        channelId,
        sku: dto.sku,
        externalId: dto.externalId,
        extra: dto.extra ?? {},
        ruleOverride: dto.ruleOverride ? ruleFields(dto.ruleOverride) : null,
      });
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      throw new DomainError(
        'LISTING_EXISTS',
        `Channel ${channelId} already has a listing for SKU ${dto.sku}`,
      );
    }
    await this.channels.nudge(channelId);
    return listing;
  }

  /**
   * Creates listings in bulk (discovery): SKUs the channel already lists are skipped, not errors. The new
   * listings are dirty; one nudge covers them all.
   */
  async createMany(
    tenantId: string,
    channelId: string,
    targets: readonly ListingTargetInput[],
  ): Promise<ListingEntity[]> {
    await this.channels.get(tenantId, channelId);
    const created = await this.listings.createMany(
      targets.map((t) => ({ tenantId, channelId, ...t, ruleOverride: null })),
    );
    if (created.length > 0) await this.channels.nudge(channelId);
    return created;
  }

  /** Fixes a listing's mapping or override; it is pushed again at once with the current desired quantity. */
  async update(
    tenantId: string,
    channelId: string,
    listingId: string,
    dto: UpdateListingDto,
  ): Promise<ListingEntity> {
    await this.channels.get(tenantId, channelId);
    const changes: ListingChanges = {};
    if (dto.externalId !== undefined) changes.externalId = dto.externalId;
    if (dto.extra !== undefined) changes.extra = dto.extra;
    if (dto.ruleOverride !== undefined)
      changes.ruleOverride = dto.ruleOverride === null ? null : ruleFields(dto.ruleOverride);
    if (Object.keys(changes).length === 0)
      throw new DomainError(
        'VALIDATION_FAILED',
        'body: give at least one of externalId, extra, ruleOverride',
        ['body: nothing to change'],
      );
    const listing = await this.listings.update(tenantId, channelId, listingId, changes);
    if (!listing) throw new DomainError('LISTING_NOT_FOUND', `Listing ${listingId} not found`);
    await this.channels.nudge(channelId);
    return listing;
  }

  async page(
    tenantId: string,
    channelId: string,
    q: ListListingsQueryDto,
  ): Promise<{ items: ListingEntity[]; nextCursor: string | null }> {
    if (q.offset !== undefined && q.cursor !== undefined) {
      throw new DomainError('VALIDATION_FAILED', 'offset, cursor: give one or the other', [
        'offset: not with cursor',
      ]);
    }
    await this.channels.get(tenantId, channelId);
    const limit = q.limit ?? DEFAULT_PAGE_SIZE;
    const filter = q.sku === undefined ? {} : { sku: q.sku };
    const rows = await this.listings.page(
      tenantId,
      channelId,
      q.offset !== undefined
        ? { limit, ...filter, offset: q.offset }
        : { limit, ...filter, after: q.cursor === undefined ? null : decodeCursor(q.cursor) },
    );
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    return { items, nextCursor: rows.length > limit && last ? encodeCursor(last) : null };
  }

  async delete(tenantId: string, channelId: string, listingId: string): Promise<void> {
    await this.channels.get(tenantId, channelId);
    if (!(await this.listings.delete(tenantId, channelId, listingId))) {
      throw new DomainError('LISTING_NOT_FOUND', `Listing ${listingId} not found`);
    }
  }
}
