import { Injectable } from '@nestjs/common';
import { isRecord, isText } from '@stockbridge/shared';
import { DataSource } from 'typeorm';
import type { KnownProduct } from './listing-discovery.plan';
import { asRows } from '../database/query-results';

export interface PageWindow {
  limit: number;
  offset: number;
}

export interface UnmappedListingRow {
  listingId: string;
  sku: string;
  externalId: string;
}

const recordsOf = (result: unknown): Record<string, unknown>[] => asRows(result).filter(isRecord);
const nullableText = (v: unknown): string | null => (isText(v, 10_000) ? v : null);
const count = (rows: Record<string, unknown>[]): number => Number(rows[0]?.['total'] ?? 0);

/**
 * Reads for mapping listings: the tenant's Odoo products (from the levels the agents sent, the only product list
 * the relay has) set against a channel's listings. Only products active somewhere count: an archived product is
 * not worth a listing. Every query takes the tenant.
 */
@Injectable()
export class ListingDiscoveryRepository {
  constructor(private readonly db: DataSource) {}

  /** Distinct (sku, barcode) pairs of active products that have a SKU. */
  async knownProducts(tenantId: string): Promise<KnownProduct[]> {
    const rows = recordsOf(
      await this.db.query(
        `SELECT DISTINCT sku, barcode FROM stock_levels WHERE tenant_id = $1 AND active AND sku IS NOT NULL`,
        [tenantId],
      ),
    );
    return rows.flatMap((r) =>
      isText(r['sku'], 10_000) ? [{ sku: r['sku'], barcode: nullableText(r['barcode']) }] : [],
    );
  }

  /** Active products without a SKU (default_code): no listing can follow them, so they are only counted. */
  async productsWithoutSku(tenantId: string): Promise<number> {
    return count(
      recordsOf(
        await this.db.query(
          `SELECT count(DISTINCT (agent_id, product_id))::int AS total FROM stock_levels
            WHERE tenant_id = $1 AND active AND sku IS NULL`,
          [tenantId],
        ),
      ),
    );
  }

  async mappedSkus(tenantId: string, channelId: string): Promise<Set<string>> {
    const rows = recordsOf(
      await this.db.query(`SELECT sku FROM listings WHERE tenant_id = $1 AND channel_id = $2`, [
        tenantId,
        channelId,
      ]),
    );
    return new Set(rows.flatMap((r) => (typeof r['sku'] === 'string' ? [r['sku']] : [])));
  }

  /** Odoo side: active products with a SKU and no listing on this channel, by SKU. */
  async unmappedProducts(
    tenantId: string,
    channelId: string,
    page: PageWindow,
  ): Promise<{ items: KnownProduct[]; total: number }> {
    const rows = recordsOf(
      await this.db.query(
        `SELECT p.sku, p.barcode, count(*) OVER ()::int AS total
           FROM (SELECT sku, min(barcode) AS barcode FROM stock_levels
                  WHERE tenant_id = $1 AND active AND sku IS NOT NULL GROUP BY sku) p
          WHERE NOT EXISTS (SELECT 1 FROM listings l WHERE l.channel_id = $2 AND l.sku = p.sku)
          ORDER BY p.sku
          LIMIT $3 OFFSET $4`,
        [tenantId, channelId, page.limit, page.offset],
      ),
    );
    const items = rows.flatMap((r) =>
      typeof r['sku'] === 'string' ? [{ sku: r['sku'], barcode: nullableText(r['barcode']) }] : [],
    );
    return {
      items,
      total: rows.length > 0 ? count(rows) : await this.countUnmappedProducts(tenantId, channelId),
    };
  }

  /** Channel side: listings of this channel whose SKU no Odoo level carries (mistyped, renamed, not synced yet). */
  async unmappedListings(
    tenantId: string,
    channelId: string,
    page: PageWindow,
  ): Promise<{ items: UnmappedListingRow[]; total: number }> {
    const rows = recordsOf(
      await this.db.query(
        `SELECT l.id, l.sku, l.external_id, count(*) OVER ()::int AS total
           FROM listings l
          WHERE l.tenant_id = $1 AND l.channel_id = $2
            AND NOT EXISTS (SELECT 1 FROM stock_levels s WHERE s.tenant_id = l.tenant_id AND s.sku = l.sku)
          ORDER BY l.sku, l.id
          LIMIT $3 OFFSET $4`,
        [tenantId, channelId, page.limit, page.offset],
      ),
    );
    const items = rows.flatMap((r) =>
      typeof r['id'] === 'string' && typeof r['sku'] === 'string' && typeof r['external_id'] === 'string'
        ? [{ listingId: r['id'], sku: r['sku'], externalId: r['external_id'] }]
        : [],
    );
    return {
      items,
      total: rows.length > 0 ? count(rows) : await this.countUnmappedListings(tenantId, channelId),
    };
  }

  // An offset past the end returns no row to carry the window count: count separately then.
  private async countUnmappedProducts(tenantId: string, channelId: string): Promise<number> {
    return count(
      recordsOf(
        await this.db.query(
          `SELECT count(DISTINCT s.sku)::int AS total FROM stock_levels s
            WHERE s.tenant_id = $1 AND s.active AND s.sku IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM listings l WHERE l.channel_id = $2 AND l.sku = s.sku)`,
          [tenantId, channelId],
        ),
      ),
    );
  }

  private async countUnmappedListings(tenantId: string, channelId: string): Promise<number> {
    return count(
      recordsOf(
        await this.db.query(
          `SELECT count(*)::int AS total FROM listings l
            WHERE l.tenant_id = $1 AND l.channel_id = $2
              AND NOT EXISTS (SELECT 1 FROM stock_levels s WHERE s.tenant_id = l.tenant_id AND s.sku = l.sku)`,
          [tenantId, channelId],
        ),
      ),
    );
  }
}
