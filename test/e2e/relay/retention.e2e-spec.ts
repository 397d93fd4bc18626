import { Client } from 'pg';
import { register } from 'prom-client';
import { startRelay, type RunningRelay } from '../../../apps/relay/src/relay';
import { RETENTION_LOCK } from '../../../apps/relay/src/retention/retention.repository';
import { RetentionService } from '../../../apps/relay/src/retention/retention.service';
import { AdminClient } from '../../support/admin-client';

const ADMIN_API_KEY = 'relay-e2e-admin-key-retention-0001';
const RELAY_SECRET_KEY = Buffer.alloc(32, 4).toString('base64');
const DAY_MS = 24 * 60 * 60 * 1000;

/** Level events and deliveries older than RETENTION_DAYS go; newer ones, levels and dead letters stay. */
describe('retention of the append-only logs', () => {
  let relay: RunningRelay;
  let db: Client;
  let tenantId: string;
  let agentId: string;
  let channelId: string;
  let listingId: string;

  beforeAll(async () => {
    relay = await startRelay({
      port: 0,
      env: {
        ADMIN_API_KEY,
        RELAY_SECRET_KEY,
        LOG_LEVEL: 'error',
        RETENTION_DAYS: '30',
        RETENTION_TICK_MS: '0',
      },
    });
    db = new Client({ connectionString: process.env['DATABASE_URL'] });
    await db.connect();
    const admin = new AdminClient(relay.url, ADMIN_API_KEY);
    tenantId = (await admin.post<{ id: string }>('/api/v1/tenants', { name: 'retention' })).id;
    agentId = (await admin.post<{ id: string }>(`/api/v1/tenants/${tenantId}/agents`, { name: 'site' })).id;
    channelId = (
      await admin.post<{ id: string }>(`/api/v1/tenants/${tenantId}/channels`, {
        name: 'hook',
        kind: 'webhook',
        config: { url: 'https://hooks.example.com/stock' },
        credentials: { secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' },
        paused: true,
      })
    ).id;
    listingId = (
      await admin.post<{ id: string }>(`/api/v1/tenants/${tenantId}/channels/${channelId}/listings`, {
        sku: 'RET-1',
        externalId: 'ret-1',
      })
    ).id;
  });

  afterAll(async () => {
    await db?.end();
    await relay?.close();
  });

  /** `n` level events and deliveries of this tenant, dated now (ids, like dates, only grow). */
  async function write(label: string, n: number): Promise<void> {
    await db.query(
      `INSERT INTO level_events (tenant_id, agent_id, event_id, frame_id, product_id, sku, warehouse, on_hand, free,
                                 forecast, active, version, observed_at, applied, correlation_id)
       SELECT $1, $2, $3 || '-' || i, 'frame', 1, 'RET-1', 'WH', 1, 1, 1, true, i, now(), true, 'poll-retention'
         FROM generate_series(1, $4::int) i`,
      [tenantId, agentId, label, n],
    );
    await db.query(
      `INSERT INTO deliveries (tenant_id, channel_id, listing_id, sku, quantity, status, attempt, duration_ms)
       SELECT $1, $2, $3, 'RET-1', 1, 'ok', 1, 5 FROM generate_series(1, $4::int)`,
      [tenantId, channelId, listingId, n],
    );
  }

  const dbNow = async (): Promise<Date> =>
    (await db.query<{ now: Date }>('SELECT clock_timestamp() AS now')).rows[0]?.now ?? new Date(NaN);
  const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

  const count = async (sql: string): Promise<number> =>
    (await db.query<{ n: number }>(sql, [tenantId])).rows[0]?.n ?? -1;

  it('deletes what is older than RETENTION_DAYS in batches, keeps the rest, and counts it on /metrics', async () => {
    const deleted = async (table: string): Promise<number> =>
      (await register.getSingleMetric('relay_retention_deleted_total')?.get())?.values.find(
        (v) => v.labels['table'] === table,
      )?.value ?? 0;
    const before = { events: await deleted('level_events'), deliveries: await deleted('deliveries') };
    // 6,000 rows (more than one batch of 5,000), then a cut-off, then 2 rows: trimming as if 30 days had passed
    // since the cut-off removes the first ones (and anything older in this database) and keeps the last two.
    await write('old', 6000);
    await pause(20);
    const cutOff = await dbNow();
    await pause(20);
    await write('new', 2);
    const service = relay.app.get(RetentionService);
    const trimmed = await service.trim(new Date(cutOff.getTime() + 30 * DAY_MS));

    const mine = async (table: string): Promise<number> =>
      count(`SELECT count(*)::int AS n FROM ${table} WHERE tenant_id = $1`);
    expect({ events: await mine('level_events'), deliveries: await mine('deliveries') }).toEqual({
      events: 2,
      deliveries: 2,
    });
    expect(
      await count(
        `SELECT count(*)::int AS n FROM level_events WHERE event_id LIKE 'new-%' AND tenant_id = $1`,
      ),
    ).toBe(2);
    expect(trimmed.level_events).toBeGreaterThanOrEqual(6000);
    expect(trimmed.deliveries).toBeGreaterThanOrEqual(6000);
    expect((await deleted('level_events')) - before.events).toBe(trimmed.level_events);
    expect((await deleted('deliveries')) - before.deliveries).toBe(trimmed.deliveries);
    // Nothing left to trim at that date; state is never trimmed (the listing and the agent stay).
    expect(await service.trim(new Date(cutOff.getTime() + 30 * DAY_MS))).toEqual({
      level_events: 0,
      deliveries: 0,
    });
    expect(await count(`SELECT count(*)::int AS n FROM listings WHERE tenant_id = $1`)).toBe(1);
    expect(await count(`SELECT count(*)::int AS n FROM agents WHERE tenant_id = $1`)).toBe(1);
  });

  it('keeps everything when RETENTION_DAYS is 0', async () => {
    const keeping = await startRelay({
      port: 0,
      env: { ADMIN_API_KEY, RELAY_SECRET_KEY, LOG_LEVEL: 'error', RETENTION_DAYS: '0' },
    });
    try {
      const far = new Date(Date.now() + 3650 * DAY_MS);
      expect(await keeping.app.get(RetentionService).trim(far)).toEqual({ level_events: 0, deliveries: 0 });
      expect(await count(`SELECT count(*)::int AS n FROM level_events WHERE tenant_id = $1`)).toBe(2);
    } finally {
      await keeping.close();
    }
  });

  it('leaves the trim to the instance that holds the lock, and trims once it is free', async () => {
    await write('locked', 3);
    const holder = new Client({ connectionString: process.env['DATABASE_URL'] });
    await holder.connect();
    const later = new Date((await dbNow()).getTime() + 30 * DAY_MS + 1_000);
    try {
      await holder.query('BEGIN');
      // Another relay instance trimming right now.
      await holder.query('SELECT pg_advisory_xact_lock($1, $2)', [...RETENTION_LOCK]);
      const service = relay.app.get(RetentionService);
      expect(await service.trim(later)).toEqual({ level_events: 0, deliveries: 0 });
      expect(await count(`SELECT count(*)::int AS n FROM level_events WHERE tenant_id = $1`)).toBe(5);
      await holder.query('COMMIT');
      const trimmed = await service.trim(later);
      expect(trimmed.level_events).toBeGreaterThanOrEqual(5);
      expect(await count(`SELECT count(*)::int AS n FROM level_events WHERE tenant_id = $1`)).toBe(0);
    } finally {
      await holder.end();
    }
  });
});
