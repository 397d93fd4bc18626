import { isRecord } from '@stockbridge/shared';
import {
  ChannelCallError,
  type ChannelAdapter,
  type ChannelConnection,
  type ListingTarget,
  type PushBatchResult,
  type PushContext,
  type PushItemResult,
  type QuantityUpdate,
  type RateSignal,
} from '../channel-adapter';
import {
  chunk,
  configError,
  failedItem,
  HttpClient,
  okItem,
  optionalText,
  requireText,
  requireUrl,
  type AdapterHttpOptions,
} from '../adapter-http';
import { graphqlFailure, postGraphql, type GraphqlAnswer } from './shopify-graphql';

/**
 * Shopify through the Admin GraphQL API. Stock is set with ONE `inventorySetQuantities` per batch (absolute
 * `available`, `changeFromQuantity: null` because Odoo is the source of truth, `@idempotent` keyed by the push
 * attempt). Shopify applies nothing when any row is bad, so rejected rows are reported and the good ones re-sent.
 */
export const SHOPIFY_DEFAULT_API_VERSION = '2026-04';
export const SHOPIFY_DEFAULT_TIMEOUT_MS = 15_000;
const READ_CHUNK = 100; // nodes(ids:) ≈ 3 points per id: 300 of the 1,000 a single query may cost
const SKU_CHUNK = 50; // SKUs per search query; keeps the query string short
const SKU_PAGE = 250; // inventoryItems(first:) ≈ 2 + 250 points
const MAX_SKU_PAGES = 20;
const MAX_PUSH_ROUNDS = 3; // first call + follow-ups without the rows Shopify rejected

const ITEM_GID = /^gid:\/\/shopify\/InventoryItem\/\d+$/;
const LOCATION_GID = /^gid:\/\/shopify\/Location\/\d+$/;
const VERSION = /^(\d{4}-(01|04|07|10)|unstable)$/;

/** Row errors that mean "this listing does not exist there" versus "try again later". */
const NOT_FOUND_CODES = new Set(['INVALID_INVENTORY_ITEM', 'ITEM_NOT_STOCKED_AT_LOCATION']);
const RETRYABLE_CODES = new Set([
  'CHANGE_FROM_QUANTITY_STALE',
  'COMPARE_QUANTITY_STALE',
  'IDEMPOTENCY_CONCURRENT_REQUEST',
  'IDEMPOTENCY_PREVIOUS_ATTEMPT_FAILED', // a new attempt brings a new key
  'IDEMPOTENCY_KEY_PARAMETER_MISMATCH', // likewise: the key was reused for other content
]);

const SET_QUANTITIES_FIELDS = `{
    inventoryAdjustmentGroup { id createdAt reason referenceDocumentUri
      changes(quantityNames: ["available"]) { name delta quantityAfterChange item { id } } }
    userErrors { code field message }
  }`;

const READ_LEVELS = `query StockBridgeReadLevels($ids: [ID!]!, $locationId: ID!) {
  nodes(ids: $ids) { ... on InventoryItem { id inventoryLevel(locationId: $locationId) { quantities(names: ["available"]) { name quantity } } } }
}`;

const FIND_SKUS = `query StockBridgeFindSkus($query: String!, $first: Int!, $after: String) {
  inventoryItems(first: $first, after: $after, query: $query) { pageInfo { hasNextPage endCursor } nodes { id sku tracked } }
}`;

const TEST_CONNECTION = `query StockBridgeTestConnection($locationId: ID!) {
  shop { name myshopifyDomain }
  location(id: $locationId) { id name isActive }
}`;

interface Row {
  inventoryItemId: string;
  quantity: number;
  updates: QuantityUpdate[]; // listings mapped to this inventory item (normally one)
}

interface UserError {
  code: string;
  field: string[];
  message: string;
}

/** 'gid://shopify/InventoryItem/1' or the bare number Shopify's REST ids and admin URLs show. */
export function toInventoryItemGid(externalId: string): string | undefined {
  const id = externalId.trim();
  if (ITEM_GID.test(id)) return id;
  return /^\d+$/.test(id) ? `gid://shopify/InventoryItem/${id}` : undefined;
}

/** A value in Shopify's search syntax: quoted, with `\` and `"` escaped, so SKUs with spaces or colons stay whole. */
export function searchValue(sku: string): string {
  return `"${sku.replace(/[\\"]/g, '\\$&')}"`;
}

export class ShopifyAdapter implements ChannelAdapter {
  readonly kind = 'shopify' as const;
  readonly maxBatchSize = 250; // Shopify's input-array cap
  readonly defaultRate = { capacity: 2000, refillPerSec: 100, costPerCall: 10 }; // Standard plan; corrected by throttleStatus

  readonly apiVersion: string;
  readonly locationId: string;
  private readonly endpoint: string;
  private readonly accessToken: string;
  private readonly http: HttpClient;

  constructor(connection: ChannelConnection, options: AdapterHttpOptions = {}) {
    const shopUrl = requireUrl(connection, 'shopUrl');
    this.apiVersion =
      optionalText(connection.config, 'shopify', 'config', 'apiVersion') ?? SHOPIFY_DEFAULT_API_VERSION;
    if (!VERSION.test(this.apiVersion))
      throw configError('shopify', 'config.apiVersion', "a Shopify API version like '2026-04'");
    const rawLocation = connection.config['locationId'];
    const location = (
      typeof rawLocation === 'number'
        ? String(rawLocation)
        : requireText(connection.config, 'shopify', 'config', 'locationId')
    ).trim();
    this.locationId = /^\d+$/.test(location) ? `gid://shopify/Location/${location}` : location; // admin URLs show the number
    if (!LOCATION_GID.test(this.locationId))
      throw configError('shopify', 'config.locationId', "a location gid like 'gid://shopify/Location/123'");
    this.accessToken = requireText(connection.credentials, 'shopify', 'credentials', 'accessToken');
    this.endpoint = `${shopUrl}/admin/api/${this.apiVersion}/graphql.json`;
    this.http = new HttpClient('Shopify', { timeoutMs: SHOPIFY_DEFAULT_TIMEOUT_MS, ...options });
  }

  async pushQuantities(updates: QuantityUpdate[], ctx: PushContext): Promise<PushBatchResult> {
    if (updates.length > this.maxBatchSize)
      throw new ChannelCallError(
        'validation',
        `Shopify push: ${updates.length} updates exceed the limit of ${this.maxBatchSize} per call`,
      );
    const items: PushItemResult[] = [];
    let pending = this.rows(updates, items);
    let rate: RateSignal | undefined;
    for (let round = 0; pending.length > 0; round++) {
      if (round === MAX_PUSH_ROUNDS) {
        for (const row of pending)
          for (const u of row.updates)
            items.push(
              failedItem(
                u,
                false,
                'NOT_APPLIED',
                `Shopify rejected other rows ${MAX_PUSH_ROUNDS} times; this one was not applied yet`,
              ),
            );
        break;
      }
      // a follow-up carries other content, so it needs its own key; derived, so a retried attempt replays it too
      const key = round === 0 ? ctx.idempotencyKey : `${ctx.idempotencyKey}-r${round}`;
      let answer: { userErrors: UserError[]; rate?: RateSignal };
      try {
        answer = await this.setQuantities(pending, key, ctx.signal);
      } catch (err) {
        if (round === 0 || !(err instanceof ChannelCallError)) throw err;
        // rows already judged keep their results; the rest fail with the call's own error (retryable when it is)
        for (const row of pending)
          for (const u of row.updates)
            items.push(
              failedItem(u, !err.retryable, `call-${err.kind}`, `${err.message} (in the follow-up call)`),
            );
        rate = err.rate ?? rate;
        break;
      }
      rate = answer.rate ?? rate;
      pending = this.judge(pending, answer.userErrors, items);
    }
    return rate ? { items, rate } : { items };
  }

  /** One row per inventory item; updates Shopify would refuse anyway are answered here without a call. */
  private rows(updates: QuantityUpdate[], items: PushItemResult[]): Row[] {
    const byItem = new Map<string, Row>();
    for (const u of updates) {
      const gid = toInventoryItemGid(u.target.externalId);
      if (gid === undefined) {
        items.push(
          failedItem(
            u,
            true,
            'INVALID_TARGET',
            `Shopify push: "${u.target.externalId}" is not an inventory item id (expected gid://shopify/InventoryItem/<n>)`,
          ),
        );
      } else if (!Number.isSafeInteger(u.quantity) || u.quantity < 0 || u.quantity > 1_000_000_000) {
        items.push(
          failedItem(
            u,
            true,
            'INVALID_QUANTITY',
            `Shopify push: quantity ${u.quantity} for ${u.target.sku} must be a whole number from 0 to 1,000,000,000`,
          ),
        );
      } else {
        const row = byItem.get(gid);
        if (!row) byItem.set(gid, { inventoryItemId: gid, quantity: u.quantity, updates: [u] });
        else if (row.quantity === u.quantity)
          row.updates.push(u); // two listings, one Shopify item, same answer
        else
          items.push(
            failedItem(
              u,
              true,
              'DUPLICATE_TARGET',
              `Shopify push: listings ${row.updates[0]?.target.listingId} and ${u.target.listingId} both map to ${gid} but want ${row.quantity} and ${u.quantity}`,
            ),
          );
      }
    }
    return [...byItem.values()];
  }

  /** Records what Shopify said about each row; returns the rows to send again (those it did not reject). */
  private judge(rows: Row[], userErrors: UserError[], items: PushItemResult[]): Row[] {
    if (userErrors.length === 0) {
      for (const row of rows) for (const u of row.updates) items.push(okItem(u));
      return [];
    }
    const byRow = new Map<number, UserError>();
    const callLevel: UserError[] = [];
    for (const e of userErrors) {
      const i = e.field[0] === 'input' && e.field[1] === 'quantities' ? Number(e.field[2]) : NaN;
      if (Number.isInteger(i) && i >= 0 && i < rows.length) {
        if (!byRow.has(i)) byRow.set(i, e);
      } else callLevel.push(e);
    }
    if (callLevel.length > 0) {
      // an input-level error (reason, name, idempotency) concerns every row: nothing to re-send
      const text = callLevel.map((e) => `${e.message} (${e.code})`).join('; ');
      const retryable = callLevel.every((e) => RETRYABLE_CODES.has(e.code));
      const code = callLevel[0]?.code ?? 'UNKNOWN';
      for (const row of rows)
        for (const u of row.updates)
          items.push(failedItem(u, !retryable, code, `Shopify inventorySetQuantities: ${text}`));
      return [];
    }
    const again: Row[] = [];
    rows.forEach((row, i) => {
      const e = byRow.get(i);
      if (!e) return again.push(row);
      const retryable = RETRYABLE_CODES.has(e.code);
      const code = NOT_FOUND_CODES.has(e.code) ? 'not-found' : e.code; // Shopify's own code otherwise
      for (const u of row.updates)
        items.push(
          failedItem(
            u,
            !retryable,
            code,
            `Shopify ${row.inventoryItemId} (sku ${u.target.sku}): ${e.message} (${e.code})`,
          ),
        );
    });
    return again;
  }

  private async setQuantities(
    rows: Row[],
    key: string,
    signal?: AbortSignal,
  ): Promise<{ userErrors: UserError[]; rate?: RateSignal }> {
    const modern = this.apiVersion >= '2026-01'; // 'unstable' sorts after every date
    const input = {
      name: 'available',
      reason: 'correction',
      referenceDocumentUri: `gid://stockbridge/StockPush/${encodeURIComponent(key)}`,
      // ≤ 2025-10 knows no changeFromQuantity: opt out of compare-and-set at input level instead
      ...(modern ? {} : { ignoreCompareQuantity: true }),
      quantities: rows.map((r) => ({
        inventoryItemId: r.inventoryItemId,
        locationId: this.locationId,
        quantity: r.quantity,
        ...(modern ? { changeFromQuantity: null } : {}), // explicit null: Odoo is the truth, skip the check
      })),
    };
    // the key as a literal, exactly as Shopify documents the directive; JSON string escapes are valid GraphQL
    const directive = modern ? ` @idempotent(key: ${JSON.stringify(key)})` : '';
    const query = `mutation StockBridgeSetQuantities($input: InventorySetQuantitiesInput!) {
  inventorySetQuantities(input: $input)${directive} ${SET_QUANTITIES_FIELDS}
}`;
    const answer = await this.call('inventorySetQuantities', query, { input }, signal);
    const payload = answer.data['inventorySetQuantities'];
    if (!isRecord(payload)) {
      if (answer.errors.length > 0)
        throw graphqlFailure(answer.errors, 'inventorySetQuantities', answer.rate);
      throw new ChannelCallError(
        'server',
        'Shopify inventorySetQuantities: answer without a payload',
        answer.rate,
        200,
      );
    }
    const userErrors = (Array.isArray(payload['userErrors']) ? payload['userErrors'] : []).map(
      (e): UserError => {
        const r = isRecord(e) ? e : {};
        return {
          code: typeof r['code'] === 'string' ? r['code'] : 'UNKNOWN',
          field: Array.isArray(r['field']) ? r['field'].map(String) : [],
          message: typeof r['message'] === 'string' ? r['message'] : JSON.stringify(e),
        };
      },
    );
    return { userErrors, ...(answer.rate ? { rate: answer.rate } : {}) };
  }

  async readQuantities(targets: ListingTarget[]): Promise<Map<string, number | null>> {
    const result = new Map<string, number | null>();
    const byGid = new Map<string, ListingTarget[]>();
    for (const t of targets) {
      const gid = toInventoryItemGid(t.externalId);
      result.set(t.listingId, null); // not found unless Shopify shows it
      if (gid !== undefined) byGid.set(gid, [...(byGid.get(gid) ?? []), t]);
    }
    for (const ids of chunk([...byGid.keys()], READ_CHUNK)) {
      const answer = await this.call('read levels', READ_LEVELS, { ids, locationId: this.locationId });
      if (answer.errors.length > 0) throw graphqlFailure(answer.errors, 'read levels', answer.rate);
      const nodes = Array.isArray(answer.data['nodes']) ? answer.data['nodes'] : [];
      for (const node of nodes) {
        if (!isRecord(node) || typeof node['id'] !== 'string') continue; // deleted item: stays null
        const level = node['inventoryLevel'];
        const quantities: unknown[] =
          isRecord(level) && Array.isArray(level['quantities']) ? level['quantities'] : [];
        const available = quantities.find((q) => isRecord(q) && q['name'] === 'available');
        const quantity =
          isRecord(available) && typeof available['quantity'] === 'number' ? available['quantity'] : null;
        for (const t of byGid.get(node['id']) ?? []) result.set(t.listingId, quantity); // null: not stocked here
      }
    }
    return result;
  }

  async lookupSkus(skus: string[]): Promise<Map<string, Omit<ListingTarget, 'listingId' | 'sku'>>> {
    const found = new Map<string, Omit<ListingTarget, 'listingId' | 'sku'>>();
    const wanted = [...new Set(skus.filter((s) => s.trim() !== ''))];
    for (const group of chunk(wanted, SKU_CHUNK)) {
      const query = group.map((s) => `sku:${searchValue(s)}`).join(' OR ');
      const want = new Set(group);
      let after: string | null = null;
      for (let page = 0; page < MAX_SKU_PAGES; page++) {
        const answer: GraphqlAnswer = await this.call('find SKUs', FIND_SKUS, {
          query,
          first: SKU_PAGE,
          after,
        });
        if (answer.errors.length > 0) throw graphqlFailure(answer.errors, 'find SKUs', answer.rate);
        const conn = answer.data['inventoryItems'];
        const nodes = isRecord(conn) && Array.isArray(conn['nodes']) ? conn['nodes'] : [];
        for (const n of nodes) {
          if (!isRecord(n) || typeof n['id'] !== 'string' || typeof n['sku'] !== 'string') continue;
          if (!want.has(n['sku'])) continue; // Shopify's search may be looser than an exact SKU match
          const seen = found.get(n['sku']);
          if (!seen) found.set(n['sku'], { externalId: n['id'], extra: { tracked: n['tracked'] === true } });
          else {
            // a SKU on several variants: keep the first, but say so, so mapping can flag it
            const listed = seen.extra['duplicateInventoryItemIds'];
            const others: unknown[] = Array.isArray(listed) ? listed : [];
            seen.extra['duplicateInventoryItemIds'] = [...others, n['id']];
          }
        }
        const pageInfo = isRecord(conn) && isRecord(conn['pageInfo']) ? conn['pageInfo'] : {};
        if (pageInfo['hasNextPage'] !== true || typeof pageInfo['endCursor'] !== 'string') break;
        after = pageInfo['endCursor'];
      }
    }
    return found;
  }

  async testConnection(): Promise<void> {
    const answer = await this.call('test connection', TEST_CONNECTION, { locationId: this.locationId });
    // without read_locations Shopify denies only the location field; the shop answer still proves the token
    const blocking = answer.errors.filter((e) => !(e.code === 'ACCESS_DENIED' && e.path?.[0] === 'location'));
    if (blocking.length > 0) throw graphqlFailure(blocking, 'test connection', answer.rate);
    const shop = answer.data['shop'];
    if (!isRecord(shop) || typeof shop['name'] !== 'string')
      throw new ChannelCallError(
        'server',
        'Shopify test connection: the answer has no shop',
        answer.rate,
        200,
      );
    if (answer.servedVersion !== undefined && answer.servedVersion !== this.apiVersion)
      throw new ChannelCallError(
        'validation',
        `Shopify test connection: API version ${this.apiVersion} is no longer served (Shopify answered with ${answer.servedVersion}); set config.apiVersion to a supported version`,
      );
    const denied = answer.errors.length > 0;
    const location = answer.data['location'];
    if (!denied && !isRecord(location))
      throw new ChannelCallError(
        'validation',
        `Shopify test connection: location ${this.locationId} does not exist in shop "${shop['name']}"`,
      );
    if (isRecord(location) && location['isActive'] === false)
      throw new ChannelCallError(
        'validation',
        `Shopify test connection: location ${this.locationId} ("${String(location['name'])}") is not active`,
      );
  }

  private call(
    operation: string,
    query: string,
    variables: Record<string, unknown>,
    signal?: AbortSignal,
  ): Promise<GraphqlAnswer> {
    return postGraphql(this.http, this.endpoint, this.accessToken, operation, query, variables, signal);
  }
}
