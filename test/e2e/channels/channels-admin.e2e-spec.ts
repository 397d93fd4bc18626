import { Client } from 'pg';
import type { RunningRelay } from '../../../apps/relay/src/relay';
import {
  startChannelsRelay,
  startSimChannel,
  TenantDriver,
  type ErrorBody,
  type ListingDto,
  type SimChannel,
} from './channel-fixtures';

const NO_SUCH_ID = '00000000-0000-4000-8000-000000000000';

/** The mapping, dead-letter and push-log routes: tenant scoping, validation and paging, on paused channels. */
describe('channel admin routes: isolation between tenants, validation, paging', () => {
  let relay: RunningRelay;
  let db: Client;
  let a: TenantDriver;
  let b: TenantDriver;
  let sim: SimChannel;
  let channelA: string;
  let channelB: string;
  let listingA: ListingDto;
  let listingB: ListingDto;
  let letterB: string;

  /** A dead letter and push-log rows as the push worker writes them. */
  async function deadLetter(tenantId: string, channelId: string, listing: ListingDto): Promise<string> {
    const { rows } = await db.query<{ id: string }>(
      `INSERT INTO dead_letters (tenant_id, channel_id, listing_id, sku, quantity, error_code, error_message, attempts,
                                 first_failed_at)
       VALUES ($1, $2, $3, $4, 5, 'not-found', 'Invalid ID.', 1, now()) RETURNING id`,
      [tenantId, channelId, listing.id, listing.sku],
    );
    return rows[0]?.id ?? '';
  }

  beforeAll(async () => {
    relay = await startChannelsRelay();
    db = new Client({ connectionString: process.env['DATABASE_URL'] });
    await db.connect();
    a = await TenantDriver.create(relay);
    b = await TenantDriver.create(relay);
    sim = await startSimChannel('webhook');
    const paused = { paused: true }; // nothing is pushed: these tests watch the API and the database
    channelA = (
      await a.admin.post<{ id: string }>(a.path('/channels'), {
        name: 'a',
        kind: 'webhook',
        ...sim.settings(),
        ...paused,
      })
    ).id;
    channelB = (
      await b.admin.post<{ id: string }>(b.path('/channels'), {
        name: 'b',
        kind: 'webhook',
        ...sim.settings(),
        ...paused,
      })
    ).id;
    listingA = await a.listing(channelA, 'A-1', { externalId: 'A-1', extra: {} });
    listingB = await b.listing(channelB, 'B-1', { externalId: 'B-1', extra: {} });
    letterB = await deadLetter(b.tenantId, channelB, listingB);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await db?.end();
    await relay?.close();
    await sim?.close();
  });

  const call = (t: TenantDriver, method: string, rest: string, body?: unknown) =>
    t.admin.request<ErrorBody>(method, t.path(rest), body);

  it("answers 404 on every new route for another tenant's channel, listing or dead letter", async () => {
    const cases: Array<[string, string, unknown, string]> = [
      ['POST', `/channels/${channelB}/listings/discover`, {}, 'CHANNEL_NOT_FOUND'],
      ['GET', `/channels/${channelB}/listings/unmapped`, undefined, 'CHANNEL_NOT_FOUND'],
      ['PATCH', `/channels/${channelB}/listings/${listingB.id}`, { externalId: 'x' }, 'CHANNEL_NOT_FOUND'],
      ['PATCH', `/channels/${channelA}/listings/${listingB.id}`, { externalId: 'x' }, 'LISTING_NOT_FOUND'],
      ['PATCH', `/channels/${channelA}/listings/not-a-uuid`, { externalId: 'x' }, 'LISTING_NOT_FOUND'],
      ['GET', `/channels/${channelB}/deliveries`, undefined, 'CHANNEL_NOT_FOUND'],
      ['GET', `/channels/not-a-uuid/deliveries`, undefined, 'CHANNEL_NOT_FOUND'],
      ['GET', `/dead-letters/${letterB}`, undefined, 'DEAD_LETTER_NOT_FOUND'],
      ['POST', `/dead-letters/${letterB}/replay`, {}, 'DEAD_LETTER_NOT_FOUND'],
      ['POST', `/dead-letters/${letterB}/discard`, {}, 'DEAD_LETTER_NOT_FOUND'],
      ['POST', `/dead-letters/not-a-uuid/replay`, {}, 'DEAD_LETTER_NOT_FOUND'],
      ['POST', `/dead-letters/replay`, { channelId: channelB }, 'CHANNEL_NOT_FOUND'],
    ];
    for (const [method, path, body, code] of cases) {
      const res = await call(a, method, path, body);
      expect({ method, path, status: res.status, code: res.body.error.code }).toEqual({
        method,
        path,
        status: 404,
        code,
      });
    }
    // Lists never show another tenant's rows, even when filtered by its channel.
    expect((await a.admin.get<{ items: unknown[] }>(a.path('/dead-letters'))).items).toEqual([]);
    expect(
      (await a.admin.get<{ items: unknown[] }>(a.path(`/dead-letters?channelId=${channelB}`))).items,
    ).toEqual([]);
    // A bulk replay by id only touches this tenant's letters.
    const bulk = await a.admin.post<{ replayed: string[]; skipped: unknown[] }>(
      a.path('/dead-letters/replay'),
      {
        ids: [letterB],
      },
    );
    expect(bulk).toEqual({ replayed: [], skipped: [{ id: letterB, reason: 'not found' }] });
    // B's own view is intact.
    const own = await b.admin.get<{ status: string; errorMessage: string }>(
      b.path(`/dead-letters/${letterB}`),
    );
    expect(own).toMatchObject({ status: 'open', errorMessage: 'Invalid ID.' });
    expect((await b.admin.get<{ items: unknown[] }>(b.path('/dead-letters'))).items).toHaveLength(1);
  });

  it('answers 400 naming the field for bad filters, bodies and cursors', async () => {
    const cases: Array<[string, string, unknown, RegExp]> = [
      ['GET', '/dead-letters?status=lost', undefined, /^status: /],
      ['GET', '/dead-letters?limit=0', undefined, /^limit: /],
      ['GET', '/dead-letters?channelId=abc', undefined, /^channelId: /],
      ['GET', '/dead-letters?cursor=garbage', undefined, /^cursor: invalid/],
      ['GET', '/dead-letters?offset=0&cursor=abc', undefined, /^offset: not with cursor/],
      ['POST', '/dead-letters/replay', { ids: ['x'] }, /^ids: /],
      ['POST', '/dead-letters/replay', {}, /^body: expected ids or channelId/],
      [
        'POST',
        '/dead-letters/replay',
        { ids: [NO_SUCH_ID], channelId: channelA },
        /^body: expected ids or channelId/,
      ],
      ['GET', `/channels/${channelA}/deliveries?status=maybe`, undefined, /^status: /],
      ['GET', `/channels/${channelA}/deliveries?cursor=WyJ4Il0`, undefined, /^cursor: invalid/],
      ['GET', `/channels/${channelA}/listings/unmapped?limit=9999`, undefined, /^limit: /],
      ['PATCH', `/channels/${channelA}/listings/${listingA.id}`, {}, /^body: nothing to change/],
      [
        'PATCH',
        `/channels/${channelA}/listings/${listingA.id}`,
        { ruleOverride: { allocation: 2 } },
        /^ruleOverride\.allocation: /,
      ],
      [
        'PATCH',
        `/channels/${channelA}/listings/${listingA.id}`,
        { sku: 'other' },
        /^sku: property sku should not exist/,
      ],
    ];
    for (const [method, path, body, detail] of cases) {
      const res = await call(a, method, path, body);
      expect({ path, status: res.status, code: res.body.error.code }).toEqual({
        path,
        status: 400,
        code: 'VALIDATION_FAILED',
      });
      expect(res.body.error.details).toEqual(expect.arrayContaining([expect.stringMatching(detail)]));
    }
  });

  it('a listing PATCH makes it due at once and forgets what the old target showed', async () => {
    await db.query(
      `UPDATE listings SET pushed_seq = dirty_seq, dirty_since = NULL, attempts = 5,
              next_attempt_at = now() + interval '1 hour', last_pushed_quantity = 12, last_pushed_at = now()
        WHERE id = $1`,
      [listingA.id],
    );
    const patched = await a.admin.request<
      ListingDto & { attempts: number; nextAttemptAt: string | null; ruleOverride: unknown }
    >('PATCH', a.path(`/channels/${channelA}/listings/${listingA.id}`), {
      externalId: 'A-1-new',
      extra: { note: 'moved' },
      ruleOverride: { buffer: 1 },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      externalId: 'A-1-new',
      extra: { note: 'moved' },
      ruleOverride: { buffer: 1 },
      dirty: true,
      attempts: 0,
      nextAttemptAt: null,
      lastPushedQuantity: null,
    });
    // Only the override this time: the target stays, and so does what it showed; `null` removes the override.
    await db.query(`UPDATE listings SET pushed_seq = dirty_seq, last_pushed_quantity = 12 WHERE id = $1`, [
      listingA.id,
    ]);
    const override = await a.admin.request<ListingDto & { ruleOverride: unknown }>(
      'PATCH',
      a.path(`/channels/${channelA}/listings/${listingA.id}`),
      { ruleOverride: null },
    );
    expect(override.body).toMatchObject({
      externalId: 'A-1-new',
      ruleOverride: null,
      dirty: true,
      lastPushedQuantity: 12,
    });
  });

  it('new channel settings retry waiting listings now; a new config also forgets what was shown', async () => {
    const waiting = async (): Promise<{
      attempts: number;
      next_attempt_at: Date | null;
      last_pushed_quantity: number | null;
    }> => {
      const { rows } = await db.query<{
        attempts: number;
        next_attempt_at: Date | null;
        last_pushed_quantity: number | null;
      }>(`SELECT attempts, next_attempt_at, last_pushed_quantity FROM listings WHERE id = $1`, [listingA.id]);
      return rows[0] ?? { attempts: -1, next_attempt_at: null, last_pushed_quantity: null };
    };
    const backoff = `UPDATE listings SET attempts = 4, next_attempt_at = now() + interval '1 hour', last_pushed_quantity = 12
                      WHERE id = $1`;
    await db.query(backoff, [listingA.id]);
    await a.admin.request('PATCH', a.path(`/channels/${channelA}`), {
      credentials: sim.settings().credentials,
    });
    expect(await waiting()).toEqual({ attempts: 0, next_attempt_at: null, last_pushed_quantity: 12 });

    await db.query(backoff, [listingA.id]);
    await a.admin.request('PATCH', a.path(`/channels/${channelA}`), {
      config: { ...sim.settings().config, batchSize: 50 },
    });
    expect(await waiting()).toEqual({ attempts: 0, next_attempt_at: null, last_pushed_quantity: null });

    await db.query(backoff, [listingA.id]);
    await a.admin.request('PATCH', a.path(`/channels/${channelA}`), { name: 'renamed' });
    expect((await waiting()).attempts).toBe(4); // a new name fixes nothing
  });

  it('pages the push log newest first, by cursor or offset, filtered by SKU and status', async () => {
    for (const [quantity, status] of [
      [1, 'retry'],
      [2, 'retry'],
      [3, 'ok'],
    ] as const)
      await db.query(
        `INSERT INTO deliveries (tenant_id, channel_id, listing_id, sku, quantity, status, error, attempt, duration_ms)
         VALUES ($1, $2, $3, 'A-1', $4, $5, $6, $4, 10)`,
        [a.tenantId, channelA, listingA.id, quantity, status, status === 'ok' ? null : 'SERVER_503: busy'],
      );
    type Page = {
      items: Array<{ quantity: number; status: string; error: string | null }>;
      nextCursor: string | null;
    };
    const base = `/channels/${channelA}/deliveries`;
    const first = await a.admin.get<Page>(a.path(`${base}?limit=2`));
    expect(first.items.map((d) => d.quantity)).toEqual([3, 2]);
    const second = await a.admin.get<Page>(a.path(`${base}?limit=2&cursor=${first.nextCursor ?? ''}`));
    expect(second).toEqual({
      items: [expect.objectContaining({ quantity: 1, error: 'SERVER_503: busy' })],
      nextCursor: null,
    });
    expect(
      (await a.admin.get<Page>(a.path(`${base}?offset=1&limit=1`))).items.map((d) => d.quantity),
    ).toEqual([2]);
    expect((await a.admin.get<Page>(a.path(`${base}?status=ok`))).items.map((d) => d.quantity)).toEqual([3]);
    expect((await a.admin.get<Page>(a.path(`${base}?sku=OTHER`))).items).toEqual([]);
  });
});
