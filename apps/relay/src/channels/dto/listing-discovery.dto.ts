import { Type } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { MATCH_BY, type MatchBy, type UnmappedProduct } from '../listing-discovery.plan';
import type { UnmappedListingRow } from '../listing-discovery.repository';

/** POST .../listings/discover: `match` says what the channel is searched for; `dryRun` creates nothing. */
export class DiscoverListingsDto {
  @IsOptional() @IsIn(MATCH_BY) match?: MatchBy;
  @IsOptional() @IsBoolean() dryRun?: boolean;
}

/** GET .../listings/unmapped?limit&offset: the same window applies to both sides. */
export class UnmappedQueryDto {
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(5000) limit?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) offset?: number;
}

/** A listing discovery created (or, in a dry run, would create: listingId null). */
export interface DiscoveredListingDto {
  listingId: string | null;
  sku: string;
  barcode: string | null;
  externalId: string;
  extra: Record<string, unknown>;
}

export type UnmappedListingDto = UnmappedListingRow;

export interface DiscoveryResponseDto {
  match: MatchBy;
  dryRun: boolean;
  created: DiscoveredListingDto[];
  alreadyMapped: number; // products that already had a listing on this channel
  /** Odoo side: products still without a listing, with why (first REPORT_LIMIT, sorted by SKU). */
  unmappedProducts: UnmappedProduct[];
  unmappedProductsTotal: number;
  productsWithoutSku: number; // active Odoo products with no default_code: they cannot be listed at all
  /** Channel side: listings whose SKU has no Odoo level (first REPORT_LIMIT). */
  unmappedListings: UnmappedListingDto[];
  unmappedListingsTotal: number;
}

export interface UnmappedResponseDto {
  unmappedProducts: Array<{ sku: string; barcode: string | null }>;
  unmappedProductsTotal: number;
  productsWithoutSku: number;
  unmappedListings: UnmappedListingDto[];
  unmappedListingsTotal: number;
}
