import type { RunningRelay } from '../../../apps/relay/src/relay';
import { waitFor } from '../../support/wait-for';
import {
  startChannelsRelay,
  startSimChannel,
  TenantDriver,
  type ErrorBody,
  type SimChannel,
} from '../channels/channel-fixtures';

interface ChannelLevel {
  channelId: string;
  desiredQuantity: number | null;
  lastPushedQuantity: number | null;
  lastPushedAt: string | null;
  dirty: boolean;
}

interface Trace {
  event: { eventId: string; free: number; applied: boolean };
  level: { free: number } | null;
  channels: Array<{ channelId: string; deliveries: Array<{ quantity: number; status: string }> }>;
}

/** Levels by SKU, the event audit and its trace, and the channel operations, against a Shopify simulator. */
describe('admin API: levels, events and channel operations', () => {
  let relay: RunningRelay;
  let shop: SimChannel;
  let tenant: TenantDriver;

  beforeAll(async () => {
    relay = await startChannelsRelay();
    shop = await startSimChannel('shopify');
    tenant = await TenantDriver.create(relay);
  });

  afterAll(async () => {
    await tenant?.close();
    await shop?.close();
    await relay?.close();
  });

  it('follows one change from Odoo to the channel: level, desired and pushed quantity, event trace', async () => {
    const channel = await tenant.channel(shop, { buffer: 2 });
    const target = shop.addListing('AUDIT-1', 0);
    await tenant.listing(channel.id, 'AUDIT-1', target);
    await tenant.agent.send([{ sku: 'AUDIT-1', free: 12, warehouse: 'WH' }]);

    const detail = await waitFor('the push of AUDIT-1', async () => {
      const d = await tenant.admin.get<{ warehouses: Array<{ free: number }>; channels: ChannelLevel[] }>(
        tenant.path('/levels/AUDIT-1'),
      );
      return d.channels[0]?.lastPushedQuantity === 10 && !d.channels[0].dirty ? d : undefined;
    });
    expect(detail.warehouses).toEqual([expect.objectContaining({ free: 12 })]);
    expect(detail.channels).toEqual([
      expect.objectContaining({ channelId: channel.id, desiredQuantity: 10, lastPushedQuantity: 10 }),
    ]);
    expect(shop.quantityOf(target)).toBe(10);

    const events = await tenant.admin.get<{ items: Array<{ eventId: string; sku: string }> }>(
      tenant.path(
        `/events?sku=AUDIT-1&from=${encodeURIComponent(new Date(Date.now() - 60_000).toISOString())}`,
      ),
    );
    expect(events.items).toHaveLength(1);
    const eventId = events.items[0]?.eventId ?? '';
    const trace = await tenant.admin.get<Trace>(tenant.path(`/events/${eventId}/trace`));
    expect(trace.event).toMatchObject({ eventId, free: 12, applied: true });
    expect(trace.level).toMatchObject({ free: 12 });
    expect(trace.channels).toEqual([
      {
        channelId: channel.id,
        channelName: 'shopify-channel',
        listingId: expect.any(String) as string,
        deliveries: [expect.objectContaining({ quantity: 10, status: 'ok' })],
      },
    ]);

    const future = await tenant.admin.get<{ items: unknown[] }>(
      tenant.path(
        `/events?sku=AUDIT-1&from=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`,
      ),
    );
    expect(future.items).toEqual([]);
    const missing = await tenant.admin.request<ErrorBody>('GET', tenant.path('/events/no-such-event/trace'));
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('EVENT_NOT_FOUND');
  });

  it('pages levels with filters', async () => {
    await tenant.agent.send([
      { sku: 'PAGE-1', free: 1, warehouse: 'WH' },
      { sku: 'PAGE-2', free: 2, warehouse: 'WH' },
      { sku: 'PAGE-3', free: 3, warehouse: 'WH2' },
    ]);
    const first = await tenant.admin.get<{ items: Array<{ sku: string }>; nextOffset: number | null }>(
      tenant.path('/levels?skuPrefix=PAGE-&limit=2'),
    );
    expect(first.items.map((l) => l.sku)).toEqual(['PAGE-1', 'PAGE-2']);
    expect(first.nextOffset).toBe(2);
    const rest = await tenant.admin.get<{ items: Array<{ sku: string }>; nextOffset: number | null }>(
      tenant.path('/levels?skuPrefix=PAGE-&limit=2&offset=2'),
    );
    expect(rest).toEqual({ items: [expect.objectContaining({ sku: 'PAGE-3' })], nextOffset: null });
    const wh2 = await tenant.admin.get<{ items: Array<{ sku: string }> }>(
      tenant.path('/levels?warehouse=WH2'),
    );
    expect(wh2.items.map((l) => l.sku)).toEqual(['PAGE-3']);
  });

  it('tests a connection (ok, or ok: false with the API error), pauses, resumes and deletes a channel', async () => {
    const good = await tenant.channel(shop, {}, 'good');
    expect(await tenant.admin.post(tenant.path(`/channels/${good.id}/test`), {})).toEqual({ ok: true });

    const settings = shop.settings();
    const bad = await tenant.admin.post<{ id: string }>(tenant.path('/channels'), {
      name: 'bad-token',
      kind: 'shopify',
      config: settings.config,
      credentials: { accessToken: 'shpat_wrong' },
      paused: true,
    });
    const refused = await tenant.admin.post<{ ok: boolean; error?: { kind: string; message: string } }>(
      tenant.path(`/channels/${bad.id}/test`),
      {},
    );
    expect(refused).toMatchObject({ ok: false, error: { kind: 'auth' } });
    expect(refused.error?.message).toBeTruthy();

    expect(await tenant.admin.post(tenant.path(`/channels/${good.id}/pause`), {})).toMatchObject({
      paused: true,
    });
    expect(await tenant.admin.post(tenant.path(`/channels/${good.id}/resume`), {})).toMatchObject({
      paused: false,
    });

    await tenant.listing(good.id, 'GONE-1', shop.addListing('GONE-1', 0));
    const del = await tenant.admin.request('DELETE', tenant.path(`/channels/${good.id}`));
    expect(del.status).toBe(204);
    expect((await tenant.admin.request('GET', tenant.path(`/channels/${good.id}`))).status).toBe(404);
    expect((await tenant.admin.request('GET', tenant.path(`/channels/${good.id}/listings`))).status).toBe(
      404,
    );
    expect((await tenant.admin.request('DELETE', tenant.path(`/channels/${good.id}`))).status).toBe(404);
  });
});
