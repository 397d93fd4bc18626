import {
  planDiscovery,
  resolveDiscovery,
  type FoundTarget,
  type KnownProduct,
} from './listing-discovery.plan';

const target = (externalId: string): FoundTarget => ({ externalId, extra: { tracked: true } });

describe('planDiscovery / resolveDiscovery', () => {
  const products: KnownProduct[] = [
    { sku: 'MUG', barcode: '4000001' },
    { sku: 'MUG', barcode: '4000001' }, // the same product seen by a second site
    { sku: 'TEE', barcode: null },
    { sku: 'CAP', barcode: '4000003' },
    { sku: 'OLD', barcode: '4000004' },
  ];

  it('by SKU: looks up each unmapped SKU once, counts the mapped ones, creates the hits', () => {
    const plan = planDiscovery(products, new Set(['OLD']), 'sku');
    expect(plan.alreadyMapped).toBe(1);
    expect([...plan.lookups]).toEqual([
      ['CAP', 'CAP'],
      ['MUG', 'MUG'],
      ['TEE', 'TEE'],
    ]);
    const outcome = resolveDiscovery(plan, new Map([['MUG', target('gid://Item/1')]]));
    expect(outcome.create).toEqual([
      { sku: 'MUG', barcode: '4000001', externalId: 'gid://Item/1', extra: { tracked: true } },
    ]);
    expect(outcome.unmapped).toEqual([
      { sku: 'CAP', barcode: '4000003', reason: 'no listing with SKU CAP on the channel' },
      { sku: 'TEE', barcode: null, reason: 'no listing with SKU TEE on the channel' },
    ]);
  });

  it('by barcode: searches the channel for the barcode but keys the listing by the Odoo SKU', () => {
    const plan = planDiscovery(products, new Set(), 'barcode');
    expect([...plan.lookups]).toEqual([
      ['4000003', 'CAP'],
      ['4000001', 'MUG'],
      ['4000004', 'OLD'],
    ]);
    const outcome = resolveDiscovery(plan, new Map([['4000001', target('77')]]));
    expect(outcome.create).toEqual([
      { sku: 'MUG', barcode: '4000001', externalId: '77', extra: { tracked: true } },
    ]);
    expect(outcome.unmapped.map((u) => [u.sku, u.reason])).toEqual([
      ['CAP', 'no listing on the channel has the Odoo barcode 4000003 as its SKU'],
      ['OLD', 'no listing on the channel has the Odoo barcode 4000004 as its SKU'],
      ['TEE', 'no barcode in Odoo to match by'],
    ]);
  });

  it('by barcode: a barcode two SKUs share is not looked up; a SKU with several barcodes takes the first hit', () => {
    const plan = planDiscovery(
      [
        { sku: 'A', barcode: '111' },
        { sku: 'B', barcode: '111' },
        { sku: 'C', barcode: '333' },
        { sku: 'C', barcode: '222' }, // two sites disagree on C's barcode
      ],
      new Set(),
      'barcode',
    );
    expect([...plan.lookups.keys()]).toEqual(['222', '333']);
    const outcome = resolveDiscovery(
      plan,
      new Map([
        ['333', target('c-333')],
        ['222', target('c-222')],
      ]),
    );
    expect(outcome.create).toEqual([
      { sku: 'C', barcode: '222', externalId: 'c-222', extra: { tracked: true } },
    ]);
    expect(outcome.unmapped).toEqual([
      {
        sku: 'A',
        barcode: '111',
        reason: 'barcode 111 is shared with B in Odoo: cannot tell which product it is',
      },
      {
        sku: 'B',
        barcode: '111',
        reason: 'barcode 111 is shared with A in Odoo: cannot tell which product it is',
      },
    ]);
  });

  it('with nothing to look up, creates nothing and reports nothing', () => {
    const plan = planDiscovery(products, new Set(['MUG', 'TEE', 'CAP', 'OLD']), 'sku');
    expect(plan.alreadyMapped).toBe(4);
    expect(plan.lookups.size).toBe(0);
    expect(resolveDiscovery(plan, new Map())).toEqual({ create: [], unmapped: [] });
  });
});
