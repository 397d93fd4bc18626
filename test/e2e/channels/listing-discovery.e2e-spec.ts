import type { ChannelKind } from '../../../apps/relay/src/channels/adapters/channel-adapter';
import type { RunningRelay } from '../../../apps/relay/src/relay';
import { waitFor } from '../../support/wait-for';
import {
  startChannelsRelay,
  startSimChannel,
  TenantDriver,
  type ListingDto,
  type SimChannel,
  type SimTarget,
} from './channel-fixtures';

interface DiscoveryBody {
  match: 'sku' | 'barcode';
  dryRun: boolean;
  created: Array<{
    listingId: string | null;
    sku: string;
    barcode: string | null;
    externalId: string;
    extra: Record<string, unknown>;
  }>;
  alreadyMapped: number;
  unmappedProducts: Array<{ sku: string; barcode: string | null; reason: string }>;
  unmappedProductsTotal: number;
  productsWithoutSku: number;
  unmappedListings: Array<{ listingId: string; sku: string; externalId: string }>;
  unmappedListingsTotal: number;
}

interface UnmappedBody {
  unmappedProducts: Array<{ sku: string; barcode: string | null }>;
  unmappedProductsTotal: number;
  productsWithoutSku: number;
  unmappedListings: Array<{ listingId: string; sku: string; externalId: string }>;
  unmappedListingsTotal: number;
}

/** The Odoo catalogue, as the agent reports it: free quantity, barcode (P-5 has none). */
const PRODUCTS = [
  { sku: 'P-1', barcode: '4000000000011', free: 11 },
  { sku: 'P-2', barcode: '4000000000022', free: 22 },
  { sku: 'P-3', barcode: '4000000000033', free: 33 },
  { sku: 'P-4', barcode: '4000000000044', free: 44 },
  { sku: 'P-5', barcode: null, free: 55 },
];

const KINDS: ChannelKind[] = ['shopify', 'woocommerce', 'ebay', 'amazon', 'webhook'];

describe('listing discovery: Odoo products mapped to channel listings through each adapter', () => {
  let relay: RunningRelay;
  let tenant: TenantDriver;
  const sims: SimChannel[] = [];

  beforeAll(async () => {
    relay = await startChannelsRelay();
    tenant = await TenantDriver.create(relay);
    await tenant.agent.send([
      ...PRODUCTS.map((p) => ({ sku: p.sku, barcode: p.barcode, free: p.free })),
      { sku: null, barcode: '4000000000099', free: 9 }, // no default_code: cannot be listed
      { sku: 'P-ARCHIVED', barcode: null, free: 0, active: false }, // archived: not worth a listing
    ]);
  });
  afterAll(async () => {
    await tenant?.close();
    await relay?.close();
    await Promise.all(sims.map((s) => s.close()));
  });

  const discover = (channelId: string, body: Record<string, unknown>): Promise<DiscoveryBody> =>
    tenant.admin.post<DiscoveryBody>(tenant.path(`/channels/${channelId}/listings/discover`), body);
  const listings = async (channelId: string): Promise<ListingDto[]> =>
    (await tenant.admin.get<{ items: ListingDto[] }>(tenant.path(`/channels/${channelId}/listings`))).items;

  it.each(KINDS)(
    '%s: by SKU, creates exactly the listings the channel has and reports the rest',
    async (kind) => {
      const sim = await startSimChannel(kind);
      sims.push(sim);
      const seeded = new Map<string, SimTarget>(
        ['P-1', 'P-2', 'P-4'].map((sku) => [sku, sim.addListing(sku, 0)] as const),
      );
      sim.addListing('CHANNEL-ONLY', 5); // on the channel, not in Odoo: nothing to map it to
      sim.addListing('P-ARCHIVED', 5);
      const channel = await tenant.channel(sim);

      const dry = await discover(channel.id, { dryRun: true });
      expect(dry).toMatchObject({ match: 'sku', dryRun: true, alreadyMapped: 0 });
      expect(dry.created.map((c) => [c.sku, c.listingId, c.externalId])).toEqual(
        ['P-1', 'P-2', 'P-4'].map((sku) => [sku, null, seeded.get(sku)?.externalId]),
      );
      expect(await listings(channel.id)).toEqual([]); // a dry run creates nothing

      const run = await discover(channel.id, { match: 'sku' });
      expect(run.created.map((c) => [c.sku, c.barcode, c.externalId])).toEqual([
        ['P-1', '4000000000011', seeded.get('P-1')?.externalId],
        ['P-2', '4000000000022', seeded.get('P-2')?.externalId],
        ['P-4', '4000000000044', seeded.get('P-4')?.externalId],
      ]);
      for (const c of run.created) expect(c.listingId).toEqual(expect.any(String));
      // What the adapter needs beside the id came from the channel (eBay offers, Amazon product type).
      if (kind === 'ebay') expect(run.created[0]?.extra).toEqual(seeded.get('P-1')?.extra);
      if (kind === 'amazon') expect(run.created[0]?.extra).toMatchObject({ productType: 'PRODUCT' });
      expect(run.alreadyMapped).toBe(0);
      expect(run.unmappedProducts).toEqual([
        { sku: 'P-3', barcode: '4000000000033', reason: 'no listing with SKU P-3 on the channel' },
        { sku: 'P-5', barcode: null, reason: 'no listing with SKU P-5 on the channel' },
      ]);
      expect(run.unmappedProductsTotal).toBe(2);
      expect(run.productsWithoutSku).toBe(1);
      expect(run.unmappedListings).toEqual([]);

      // New listings are dirty and nudged: their Odoo quantity goes out without anything else happening.
      await waitFor(`${kind}: discovered listings pushed`, () =>
        ['P-1', 'P-2', 'P-4'].every((sku) => {
          const target = seeded.get(sku);
          return target !== undefined && sim.quantityOf(target) === PRODUCTS.find((p) => p.sku === sku)?.free;
        }),
      );
      expect(sim.quantityOf(seeded.get('P-1') ?? { externalId: '', extra: {} })).toBe(11);

      // A listing typed in by hand for a SKU Odoo does not have is the channel side's unmapped.
      const ghost = await tenant.listing(channel.id, 'GHOST-1', sim.addListing('GHOST-1', 3));
      const again = await discover(channel.id, {});
      expect(again).toMatchObject({ created: [], alreadyMapped: 3, unmappedProductsTotal: 2 });
      expect(again.unmappedListings).toEqual([
        { listingId: ghost.id, sku: 'GHOST-1', externalId: ghost.externalId },
      ]);

      const report = await tenant.admin.get<UnmappedBody>(
        tenant.path(`/channels/${channel.id}/listings/unmapped`),
      );
      expect(report).toEqual({
        unmappedProducts: [
          { sku: 'P-3', barcode: '4000000000033' },
          { sku: 'P-5', barcode: null },
        ],
        unmappedProductsTotal: 2,
        productsWithoutSku: 1,
        unmappedListings: [{ listingId: ghost.id, sku: 'GHOST-1', externalId: ghost.externalId }],
        unmappedListingsTotal: 1,
      });
      const paged = await tenant.admin.get<UnmappedBody>(
        tenant.path(`/channels/${channel.id}/listings/unmapped?limit=1&offset=1`),
      );
      expect(paged.unmappedProducts).toEqual([{ sku: 'P-5', barcode: null }]);
      expect(paged.unmappedProductsTotal).toBe(2);
      expect(paged.unmappedListings).toEqual([]);
      expect(paged.unmappedListingsTotal).toBe(1);
    },
  );

  it('by barcode: finds the channel listing whose SKU is the Odoo barcode and keys it by the Odoo SKU', async () => {
    const sim = await startSimChannel('woocommerce');
    sims.push(sim);
    const byBarcode = sim.addListing('4000000000033', 0); // the shop uses EANs as SKUs
    const channel = await tenant.channel(sim);

    const run = await discover(channel.id, { match: 'barcode' });
    expect(run.created).toEqual([
      {
        listingId: expect.any(String),
        sku: 'P-3',
        barcode: '4000000000033',
        externalId: byBarcode.externalId,
        extra: expect.objectContaining({ type: 'simple' }),
      },
    ]);
    expect(run.unmappedProducts.map((u) => [u.sku, u.reason])).toEqual([
      ['P-1', 'no listing on the channel has the Odoo barcode 4000000000011 as its SKU'],
      ['P-2', 'no listing on the channel has the Odoo barcode 4000000000022 as its SKU'],
      ['P-4', 'no listing on the channel has the Odoo barcode 4000000000044 as its SKU'],
      ['P-5', 'no barcode in Odoo to match by'],
    ]);
    await waitFor('P-3 pushed to the barcode listing', () => sim.quantityOf(byBarcode) === 33);
  });

  it('answers 400 naming the field for a bad match, and a clear error when the channel cannot be searched', async () => {
    const sim = await startSimChannel('webhook');
    sims.push(sim);
    const channel = await tenant.channel(sim);
    const bad = await tenant.admin.request<{ error: { code: string; details: string[] } }>(
      'POST',
      tenant.path(`/channels/${channel.id}/listings/discover`),
      { match: 'ean' },
    );
    expect(bad.status).toBe(400);
    expect(bad.body.error.details).toEqual([expect.stringMatching(/^match: /)]);

    sim.injectFaults({ status: 503 });
    const down = await tenant.admin.request<{ error: { code: string; message: string } }>(
      'POST',
      tenant.path(`/channels/${channel.id}/listings/discover`),
      {},
    );
    sim.clearFaults();
    expect(down.status).toBe(502);
    expect(down.body.error.code).toBe('CHANNEL_CALL_FAILED');
    expect(down.body.error.message).toMatch(/nothing was created, try again later/);
    expect(await listings(channel.id)).toEqual([]);
  });
});
