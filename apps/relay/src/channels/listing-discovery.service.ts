import { Inject, Injectable } from '@nestjs/common';
import { DomainError } from '../common/errors/domain-error';
import { CHANNEL_ADAPTER_FACTORY, type ChannelAdapterFactory } from './adapters/adapter-factory';
import { ChannelCallError, type ChannelAdapter } from './adapters/channel-adapter';
import { ChannelsService } from './channels.service';
import { CredentialsDecryptError } from './credentials.cipher';
import type {
  DiscoveredListingDto,
  DiscoveryResponseDto,
  UnmappedQueryDto,
  UnmappedResponseDto,
} from './dto/listing-discovery.dto';
import { planDiscovery, resolveDiscovery, type FoundTarget, type MatchBy } from './listing-discovery.plan';
import { ListingDiscoveryRepository } from './listing-discovery.repository';
import { ListingsService } from './listings.service';

/** Keys per lookupSkus call: bounds one call's time and memory; the adapter splits further to its API's limit. */
const LOOKUP_CHUNK = 200;
/** How many unmapped entries a discovery answer lists per side (totals are always exact). */
const REPORT_LIMIT = 1000;
const DEFAULT_UNMAPPED_LIMIT = 500;

/**
 * Maps Odoo products to a channel's listings through the adapter's lookup (by SKU or barcode), and reports what
 * stays unmapped on both sides. Creation goes through ListingsService, so new listings are dirty and pushed.
 */
@Injectable()
export class ListingDiscoveryService {
  constructor(
    private readonly channels: ChannelsService,
    private readonly listings: ListingsService,
    private readonly repo: ListingDiscoveryRepository,
    @Inject(CHANNEL_ADAPTER_FACTORY) private readonly createAdapter: ChannelAdapterFactory,
  ) {}

  async discover(
    tenantId: string,
    channelId: string,
    opts: { match?: MatchBy; dryRun?: boolean },
  ): Promise<DiscoveryResponseDto> {
    const match = opts.match ?? 'sku';
    const dryRun = opts.dryRun ?? false;
    const adapter = await this.adapterOf(tenantId, channelId);
    const [products, mapped, productsWithoutSku] = await Promise.all([
      this.repo.knownProducts(tenantId),
      this.repo.mappedSkus(tenantId, channelId),
      this.repo.productsWithoutSku(tenantId),
    ]);
    const plan = planDiscovery(products, mapped, match);
    const outcome = resolveDiscovery(plan, await this.lookup(adapter, [...plan.lookups.keys()]));

    let created: DiscoveredListingDto[] = outcome.create.map((t) => ({ listingId: null, ...t }));
    let alreadyMapped = plan.alreadyMapped;
    if (!dryRun) {
      const rows = await this.listings.createMany(tenantId, channelId, outcome.create);
      const idBySku = new Map(rows.map((l) => [l.sku, l.id]));
      // A SKU listed by someone else between our read and our insert is skipped by the insert: already mapped.
      alreadyMapped += created.filter((c) => !idBySku.has(c.sku)).length;
      created = created.flatMap((c) => {
        const listingId = idBySku.get(c.sku);
        return listingId === undefined ? [] : [{ ...c, listingId }];
      });
    }
    const unmappedListings = await this.repo.unmappedListings(tenantId, channelId, {
      limit: REPORT_LIMIT,
      offset: 0,
    });
    return {
      match,
      dryRun,
      created,
      alreadyMapped,
      unmappedProducts: outcome.unmapped.slice(0, REPORT_LIMIT),
      unmappedProductsTotal: outcome.unmapped.length,
      productsWithoutSku,
      unmappedListings: unmappedListings.items,
      unmappedListingsTotal: unmappedListings.total,
    };
  }

  /** Both sides from the relay's own data, no channel call: Odoo products without a listing, listings without Odoo. */
  async unmapped(tenantId: string, channelId: string, q: UnmappedQueryDto): Promise<UnmappedResponseDto> {
    await this.channels.get(tenantId, channelId);
    const page = { limit: q.limit ?? DEFAULT_UNMAPPED_LIMIT, offset: q.offset ?? 0 };
    const [products, listings, productsWithoutSku] = await Promise.all([
      this.repo.unmappedProducts(tenantId, channelId, page),
      this.repo.unmappedListings(tenantId, channelId, page),
      this.repo.productsWithoutSku(tenantId),
    ]);
    return {
      unmappedProducts: products.items,
      unmappedProductsTotal: products.total,
      productsWithoutSku,
      unmappedListings: listings.items,
      unmappedListingsTotal: listings.total,
    };
  }

  private async adapterOf(tenantId: string, channelId: string): Promise<ChannelAdapter> {
    try {
      return this.createAdapter(await this.channels.getConnection(tenantId, channelId));
    } catch (err) {
      if (err instanceof CredentialsDecryptError)
        throw new DomainError(
          'INVALID_CHANNEL_CONFIG',
          `credentials: the stored credentials of channel ${channelId} cannot be read with this RELAY_SECRET_KEY; send credentials again`,
          ['credentials: cannot be decrypted, send them again'],
        );
      throw asDomainError(err);
    }
  }

  private async lookup(adapter: ChannelAdapter, keys: readonly string[]): Promise<Map<string, FoundTarget>> {
    const found = new Map<string, FoundTarget>();
    for (let i = 0; i < keys.length; i += LOOKUP_CHUNK) {
      let part: Map<string, FoundTarget>;
      try {
        part = await adapter.lookupSkus(keys.slice(i, i + LOOKUP_CHUNK));
      } catch (err) {
        throw asDomainError(err, i);
      }
      for (const [key, target] of part) found.set(key, target);
    }
    return found;
  }
}

/**
 * A channel error becomes the admin's answer: a settings problem is a 400 naming the field, anything the API did
 * a 502 carrying its own message. Nothing was created when this is thrown (lookups all run before creation).
 */
function asDomainError(err: unknown, searched = 0): unknown {
  if (!(err instanceof ChannelCallError)) return err;
  if (err.kind === 'validation') return new DomainError('INVALID_CHANNEL_CONFIG', err.message, [err.message]);
  const advice = err.retryable ? 'try again later' : 'check the channel settings';
  return new DomainError(
    'CHANNEL_CALL_FAILED',
    `channel lookup failed after ${searched} keys were searched (${err.kind}): ${err.message}; nothing was created, ${advice}`,
  );
}
