import { DEFAULT_RULE, type ChannelRule, type LevelEventV1, type RuleOverride } from '@stockbridge/shared';
import { connect } from 'amqplib';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { CredentialsCipher } from '../../../apps/relay/src/channels/credentials.cipher';
import { InventoryService } from '../../../apps/relay/src/inventory/inventory.service';
import { startRelay, type RunningRelay } from '../../../apps/relay/src/relay';
import type { ShopifySimulator } from '../../simulators/shopify/shopify-simulator';

/** Shared by the push e2e suites: real PostgreSQL rows, a real relay, a real broker (this run's vhost). */
export const RELAY_SECRET_KEY = Buffer.alloc(32, 11).toString('base64');
const ADMIN_API_KEY = 'push-e2e-admin-key-0123456789abcdef';

/** Short sweeps and backoff so retries converge within a test; the code paths are the production ones. */
export function startPushRelay(env: Record<string, string> = {}): Promise<RunningRelay> {
  return startRelay({
    port: 0,
    env: {
      ADMIN_API_KEY,
      RELAY_SECRET_KEY,
      LOG_LEVEL: 'error',
      PUSH_SWEEP_INTERVAL_MS: '1000',
      PUSH_BACKOFF_BASE_MS: '300',
      PUSH_BACKOFF_MAX_MS: '3000',
      ...env,
    },
  });
}

export interface ListingState {
  dirty_seq: string;
  pushed_seq: string;
  dirty_since: Date | null;
  attempts: number;
  next_attempt_at: Date | null;
  last_error: string | null;
  last_pushed_quantity: number | null;
}

export interface DeliveryRow {
  listing_id: string;
  sku: string;
  quantity: number;
  status: 'ok' | 'retry' | 'dead';
  error: string | null;
  attempt: number;
  latency_ms: number | null;
  created_at: Date;
}

export interface DeadLetterRow {
  id: string;
  listing_id: string;
  sku: string;
  quantity: number | null;
  error_code: string;
  error_message: string;
  attempts: number;
  first_failed_at: Date;
}

/** Tenants, channels and listings written directly with SQL; removed again (cascading) by cleanup(). */
export class PushFixture {
  private readonly tenants: string[] = [];
  private readonly cipher = new CredentialsCipher(RELAY_SECRET_KEY);
  private readonly base = Date.now();
  private version = this.base + 1_000_000;

  private constructor(readonly db: Client) {}

  static async open(): Promise<PushFixture> {
    const db = new Client({ connectionString: process.env['DATABASE_URL'] });
    await db.connect();
    return new PushFixture(db);
  }

  async tenant(): Promise<string> {
    const { rows } = await this.db.query<{ id: string }>(
      `INSERT INTO tenants (name) VALUES ($1) RETURNING id`,
      [`push-e2e-${randomUUID().slice(0, 8)}`],
    );
    const id = rows[0]?.id;
    if (!id) throw new Error('no tenant id');
    this.tenants.push(id);
    return id;
  }

  async shopifyChannel(
    tenantId: string,
    sim: ShopifySimulator,
    opts: { rule?: Partial<ChannelRule>; accessToken?: string } = {},
  ): Promise<string> {
    const { rows } = await this.db.query<{ id: string }>(
      `INSERT INTO channels (tenant_id, name, kind, config, credentials_encrypted, rule)
       VALUES ($1, $2, 'shopify', $3, $4, $5) RETURNING id`,
      [
        tenantId,
        `shop-${randomUUID().slice(0, 6)}`,
        JSON.stringify({ shopUrl: sim.url, locationId: sim.locationId }),
        this.cipher.encrypt({ accessToken: opts.accessToken ?? sim.accessToken }),
        JSON.stringify({ ...DEFAULT_RULE, ...opts.rule }),
      ],
    );
    const id = rows[0]?.id;
    if (!id) throw new Error('no channel id');
    return id;
  }

  /** A listing; clean by default (nothing to push until a level changes), or dirty as a new listing is. */
  async listing(
    tenantId: string,
    channelId: string,
    sku: string,
    externalId: string,
    opts: { dirty?: boolean; override?: RuleOverride } = {},
  ): Promise<string> {
    const { rows } = await this.db.query<{ id: string }>(
      `INSERT INTO listings (tenant_id, channel_id, sku, external_id, rule_override, dirty_seq, pushed_seq, dirty_since)
       VALUES ($1, $2, $3, $4, $5, $6::bigint, 0, CASE WHEN $6::bigint > 0 THEN now() END) RETURNING id`,
      [
        tenantId,
        channelId,
        sku,
        externalId,
        opts.override ? JSON.stringify(opts.override) : null,
        opts.dirty ? 1 : 0,
      ],
    );
    const id = rows[0]?.id;
    if (!id) throw new Error('no listing id');
    return id;
  }

  async listingState(listingId: string): Promise<ListingState> {
    const { rows } = await this.db.query<ListingState>(
      `SELECT dirty_seq, pushed_seq, dirty_since, attempts, next_attempt_at, last_error, last_pushed_quantity
         FROM listings WHERE id = $1`,
      [listingId],
    );
    const row = rows[0];
    if (!row) throw new Error(`listing ${listingId} not found`);
    return row;
  }

  async deliveries(channelId: string): Promise<DeliveryRow[]> {
    const { rows } = await this.db.query<DeliveryRow>(
      `SELECT listing_id, sku, quantity, status, error, attempt, latency_ms, created_at FROM deliveries
        WHERE channel_id = $1 ORDER BY id`,
      [channelId],
    );
    return rows;
  }

  async deadLetters(channelId: string): Promise<DeadLetterRow[]> {
    const { rows } = await this.db.query<DeadLetterRow>(
      `SELECT id, listing_id, sku, quantity, error_code, error_message, attempts, first_failed_at FROM dead_letters
        WHERE channel_id = $1 ORDER BY created_at`,
      [channelId],
    );
    return rows;
  }

  /** A level reading as the gateway would commit it (version always newer), through the real inventory path. */
  async setLevel(
    relay: RunningRelay,
    tenantId: string,
    sku: string,
    free: number,
    warehouse = 'WH',
    version?: number,
  ): Promise<void> {
    await this.setLevels(relay, tenantId, [{ sku, free, warehouse, version }]);
  }

  /** `version` defaults to one newer than any before; give it to control the order concurrent frames win in. */
  async setLevels(
    relay: RunningRelay,
    tenantId: string,
    levels: ReadonlyArray<{ sku: string; free: number; warehouse?: string; version?: number }>,
  ): Promise<void> {
    const events: LevelEventV1[] = levels.map(({ sku, free, warehouse = 'WH', version }) => ({
      eventId: randomUUID(),
      productId: productIdOf(sku),
      sku,
      barcode: null,
      warehouse,
      onHand: free + 3,
      free,
      forecast: free + 10,
      active: true,
      version: version === undefined ? ++this.version : this.base + version,
      observedAt: new Date().toISOString(),
      correlationId: randomUUID(),
    }));
    await relay.app
      .get(InventoryService)
      .applyFrame({ tenantId, agentId: AGENT_ID }, { frameId: randomUUID(), events });
  }

  async cleanup(): Promise<void> {
    for (const tenantId of this.tenants) {
      await this.db.query(`DELETE FROM channels WHERE tenant_id = $1`, [tenantId]); // cascades listings, log, letters
      await this.db.query(`DELETE FROM stock_levels WHERE tenant_id = $1`, [tenantId]);
      await this.db.query(`DELETE FROM level_events WHERE tenant_id = $1`, [tenantId]);
      await this.db.query(`DELETE FROM tenants WHERE id = $1`, [tenantId]);
    }
    await this.db.end();
  }
}

const AGENT_ID = randomUUID();
const productIds = new Map<string, number>();
function productIdOf(sku: string): number {
  let id = productIds.get(sku);
  if (id === undefined) {
    id = productIds.size + 1;
    productIds.set(sku, id);
  }
  return id;
}

/** Messages waiting in a queue of this run's vhost (peeked with a passive declare). */
export async function queueDepth(queue: string): Promise<number> {
  const conn = await connect(process.env['AMQP_URL'] ?? '');
  try {
    const ch = await conn.createChannel();
    const { messageCount } = await ch.checkQueue(queue);
    return messageCount;
  } finally {
    await conn.close();
  }
}

/** Takes every message from a queue (acked), parsed as JSON. */
export async function drainQueue(queue: string): Promise<unknown[]> {
  const conn = await connect(process.env['AMQP_URL'] ?? '');
  try {
    const ch = await conn.createChannel();
    const out: unknown[] = [];
    for (;;) {
      const msg = await ch.get(queue, { noAck: true });
      if (msg === false) return out;
      out.push(JSON.parse(msg.content.toString('utf8')));
    }
  } finally {
    await conn.close();
  }
}
