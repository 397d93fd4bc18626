import type { RunningRelay } from '../../../apps/relay/src/relay';
import { waitFor } from '../../support/wait-for';
import {
  startChannelsRelay,
  startSimChannel,
  TenantDriver,
  type ErrorBody,
  type ListingDto,
  type SimChannel,
} from './channel-fixtures';

interface DeadLetter {
  id: string;
  channelId: string;
  listingId: string;
  sku: string;
  quantity: number | null;
  errorCode: string;
  errorMessage: string;
  attempts: number;
  status: 'open' | 'replayed' | 'discarded';
  replayedAt: string | null;
  discardedAt: string | null;
}

interface Delivery {
  id: string;
  sku: string;
  quantity: number;
  status: 'ok' | 'retry' | 'dead';
  error: string | null;
}

type Page<T> = { items: T[]; nextCursor: string | null };

describe('dead letters: a refused push is kept with the API message and replayed once the cause is fixed', () => {
  let relay: RunningRelay;
  let tenant: TenantDriver;
  const sims: SimChannel[] = [];

  beforeAll(async () => {
    relay = await startChannelsRelay();
    tenant = await TenantDriver.create(relay);
  });
  afterAll(async () => {
    await tenant?.close();
    await relay?.close();
    await Promise.all(sims.map((s) => s.close()));
  });

  const letters = (query: string): Promise<Page<DeadLetter>> =>
    tenant.admin.get<Page<DeadLetter>>(tenant.path(`/dead-letters?${query}`));
  const listing = async (channelId: string, sku: string): Promise<ListingDto | undefined> =>
    (await tenant.admin.get<Page<ListingDto>>(tenant.path(`/channels/${channelId}/listings?sku=${sku}`)))
      .items[0];

  it('wrong externalId: dead letter with the API message; after a PATCH of the mapping the replay converges', async () => {
    const sim = await startSimChannel('woocommerce');
    sims.push(sim);
    const right = sim.addListing('FIX-1', 50);
    const doomed = sim.addListing('GONE-1', 50);
    const channel = await tenant.channel(sim);
    const fix = await tenant.listing(channel.id, 'FIX-1', { externalId: '424242', extra: {} });
    await tenant.listing(channel.id, 'GONE-1', { externalId: '535353', extra: {} });
    const deleted = await tenant.listing(channel.id, 'DEL-1', { externalId: '646464', extra: {} });
    await tenant.agent.send([
      { sku: 'FIX-1', free: 7 },
      { sku: 'GONE-1', free: 4 },
      { sku: 'DEL-1', free: 2 },
    ]);

    const open = await waitFor('three dead letters', async () => {
      const page = await letters(`channelId=${channel.id}&status=open`);
      return page.items.length === 3 && page;
    });
    const dlFix = open.items.find((d) => d.sku === 'FIX-1');
    expect(dlFix).toMatchObject({
      listingId: fix.id,
      quantity: 7,
      errorCode: 'not-found',
      status: 'open',
      attempts: 1,
      replayedAt: null,
    });
    // WooCommerce's own words and code, as its batch endpoint answered them.
    expect(dlFix?.errorMessage).toContain('Invalid ID.');
    expect(dlFix?.errorMessage).toContain('woocommerce_rest_product_invalid_id');
    expect(sim.quantityOf(right)).toBe(50); // nothing reached the real product yet

    const one = await tenant.admin.get<DeadLetter>(tenant.path(`/dead-letters/${dlFix?.id ?? ''}`));
    expect(one).toEqual(dlFix);
    const bySku = await letters(`sku=FIX-1`);
    expect(bySku.items.map((d) => d.id)).toEqual([dlFix?.id]);

    // The push log shows the refused push, newest first.
    const log = await tenant.admin.get<Page<Delivery>>(
      tenant.path(`/channels/${channel.id}/deliveries?sku=FIX-1`),
    );
    expect(log.items[0]).toMatchObject({ sku: 'FIX-1', quantity: 7, status: 'dead' });
    expect(log.items[0]?.error).toContain('Invalid ID.');

    // Fix the mapping: the listing goes out at once with the current quantity.
    const patched = await tenant.admin.request<ListingDto>(
      'PATCH',
      tenant.path(`/channels/${channel.id}/listings/${fix.id}`),
      { externalId: right.externalId },
    );
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      externalId: right.externalId,
      dirty: true,
      lastPushedQuantity: null,
    });
    await waitFor('FIX-1 shows 7', () => sim.quantityOf(right) === 7);

    // Stock moves on; the replay pushes the CURRENT quantity (9), never the 7 that failed.
    await tenant.agent.send([{ sku: 'FIX-1', free: 9 }]);
    await waitFor('FIX-1 shows 9', () => sim.quantityOf(right) === 9);
    const replayed = await tenant.admin.post<DeadLetter>(
      tenant.path(`/dead-letters/${dlFix?.id ?? ''}/replay`),
      {},
    );
    expect(replayed).toMatchObject({ id: dlFix?.id, status: 'replayed', replayedAt: expect.any(String) });
    await waitFor('FIX-1 clean after the replay', async () => {
      const l = await listing(channel.id, 'FIX-1');
      return l !== undefined && !l.dirty && l.lastError === null && l.lastPushedQuantity === 9;
    });
    expect(sim.quantityOf(right)).toBe(9);
    expect(sim.history(right).at(-1)).toBe(9);
    const again = await tenant.admin.request<ErrorBody>(
      'POST',
      tenant.path(`/dead-letters/${dlFix?.id ?? ''}/replay`),
    );
    expect(again.status).toBe(409);
    expect(again.body.error.message).toMatch(/is replayed, not open/);
    expect((await letters(`channelId=${channel.id}&status=replayed`)).items.map((d) => d.id)).toEqual([
      dlFix?.id,
    ]);

    // A listing that will never exist there is discarded; it cannot be replayed afterwards.
    const dlGone = open.items.find((d) => d.sku === 'GONE-1');
    const discarded = await tenant.admin.post<DeadLetter>(
      tenant.path(`/dead-letters/${dlGone?.id ?? ''}/discard`),
      {},
    );
    expect(discarded).toMatchObject({ status: 'discarded', discardedAt: expect.any(String) });
    const late = await tenant.admin.request<ErrorBody>(
      'POST',
      tenant.path(`/dead-letters/${dlGone?.id ?? ''}/replay`),
    );
    expect(late.status).toBe(409);
    expect(sim.quantityOf(doomed)).toBe(50);

    // A dead letter whose listing was deleted says so, and the bulk replay reports it as skipped.
    await tenant.admin.request('DELETE', tenant.path(`/channels/${channel.id}/listings/${deleted.id}`));
    const dlDel = open.items.find((d) => d.sku === 'DEL-1');
    const orphan = await tenant.admin.request<ErrorBody>(
      'POST',
      tenant.path(`/dead-letters/${dlDel?.id ?? ''}/replay`),
    );
    expect(orphan.status).toBe(409);
    expect(orphan.body.error.message).toMatch(/its listing .* \(SKU DEL-1\) no longer exists; discard it/);
    const bulk = await tenant.admin.post<{
      replayed: string[];
      skipped: Array<{ id: string; reason: string }>;
    }>(tenant.path('/dead-letters/replay'), {
      ids: [dlDel?.id, dlGone?.id, '00000000-0000-4000-8000-000000000000'],
    });
    expect(bulk.replayed).toEqual([]);
    expect(bulk.skipped).toEqual([
      { id: dlDel?.id, reason: expect.stringMatching(/no longer exists; discard it$/) },
      { id: dlGone?.id, reason: expect.stringMatching(/is discarded, not open$/) },
      { id: '00000000-0000-4000-8000-000000000000', reason: 'not found' },
    ]);
  });

  it('a channel refusing our token: every push is a dead letter; after new credentials, one bulk replay converges', async () => {
    const sim = await startSimChannel('shopify');
    sims.push(sim);
    const skus = ['AUTH-1', 'AUTH-2', 'AUTH-3'];
    const targets = skus.map((sku) => sim.addListing(sku, 0));
    const good = sim.settings();
    const channel = await tenant.admin.post<{ id: string }>(tenant.path('/channels'), {
      name: 'shop with a revoked token',
      kind: 'shopify',
      config: good.config,
      credentials: { accessToken: 'shpat_revoked_000000000000' },
    });
    for (const [i, sku] of skus.entries())
      await tenant.listing(channel.id, sku, targets[i] ?? { externalId: '', extra: {} });
    await tenant.agent.send(skus.map((sku, i) => ({ sku, free: 10 + i })));

    const open = await waitFor('three dead letters for the refused token', async () => {
      const page = await letters(`channelId=${channel.id}&status=open`);
      return page.items.length === 3 && page;
    });
    for (const d of open.items) expect(d.errorMessage).toMatch(/Invalid API key or access token/);

    // Paging newest first, by cursor: 2 + 1, nothing repeated.
    const first = await letters(`channelId=${channel.id}&limit=2`);
    expect(first.items).toHaveLength(2);
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = await letters(`channelId=${channel.id}&limit=2&cursor=${first.nextCursor ?? ''}`);
    expect(second.nextCursor).toBeNull();
    expect([...first.items, ...second.items].map((d) => d.id).sort()).toEqual(
      open.items.map((d) => d.id).sort(),
    );

    await tenant.admin.request('PATCH', tenant.path(`/channels/${channel.id}`), {
      credentials: good.credentials,
    });
    await new Promise((r) => setTimeout(r, 800)); // settled dead: new credentials alone push nothing
    expect(targets.map((t) => sim.quantityOf(t))).toEqual([0, 0, 0]);

    const bulk = await tenant.admin.post<{ replayed: string[]; skipped: unknown[] }>(
      tenant.path('/dead-letters/replay'),
      { channelId: channel.id },
    );
    expect(bulk.replayed.sort()).toEqual(open.items.map((d) => d.id).sort());
    expect(bulk.skipped).toEqual([]);
    await waitFor('all three on Shopify', () => targets.every((t, i) => sim.quantityOf(t) === 10 + i));
    expect((await letters(`channelId=${channel.id}&status=open`)).items).toEqual([]);
  });
});
