import { SUPERUSER_ID, type Database, type Env } from './env';
import * as orm from './orm';
import { setInventory } from './stock-ops';

/** Demo credentials printed by main.ts and returned by startOdooSimulator. */
export const BOT_LOGIN = 'sync-bot@example.com';
export const BOT_API_KEY = 'f0e1d2c3b4a5968778695a4b3c2d1e0f9a8b7c6d';
export const READER_LOGIN = 'reader@example.com';
export const READER_API_KEY = '0a1b2c3d4e5f60718293a4b5c6d7e8f901234567';
export const ADMIN_LOGIN = 'admin';
export const ADMIN_PASSWORD = 'admin';

export type SeedKind = 'demo' | 'empty';

/** Storable goods with their stock per warehouse code; GIFT-SET is a kit of 1 MUG-BLUE + 2 SOCKS. */
export const DEMO_STOCK: Record<string, Record<string, number>> = {
  'MUG-BLUE': { WH: 40, WH2: 10 },
  'MUG-RED': { WH: 25 },
  'TEE-S': { WH: 12, WH2: 4 },
  'TEE-M': {},
  CAP: { WH: 30, WH2: 8 },
  SOCKS: { WH: 100, WH2: 20 },
  LAMP: { WH: 5 },
  'NOTE-A5': { WH: 60 },
  'MUG-OLD': { WH: 3 },
};

interface DemoProduct {
  template: string;
  sku: string;
  kind: 'storable' | 'consu' | 'service';
  variant?: string;
  archived?: boolean;
}

const DEMO_PRODUCTS: DemoProduct[] = [
  { template: 'Blue Mug', sku: 'MUG-BLUE', kind: 'storable' },
  { template: 'Red Mug', sku: 'MUG-RED', kind: 'storable' },
  { template: 'T-Shirt', sku: 'TEE-S', kind: 'storable', variant: 'S' },
  { template: 'T-Shirt', sku: 'TEE-M', kind: 'storable', variant: 'M' },
  { template: 'Cap', sku: 'CAP', kind: 'storable' },
  { template: 'Socks', sku: 'SOCKS', kind: 'storable' },
  { template: 'Desk Lamp', sku: 'LAMP', kind: 'storable' },
  { template: 'A5 Notebook', sku: 'NOTE-A5', kind: 'storable' },
  { template: 'Gift Set', sku: 'GIFT-SET', kind: 'storable' },
  { template: 'Gift Wrapping', sku: 'WRAP', kind: 'service' },
  { template: 'Paper Bag', sku: 'BAG', kind: 'consu' },
  { template: 'Old Mug', sku: 'MUG-OLD', kind: 'storable', archived: true },
];

/** Fills a fresh database as if made a day ago: company, users, locations, warehouses (+ demo catalogue). */
export function seedDatabase(db: Database, kind: SeedKind): void {
  const seededAt = Date.now() - 24 * 3600_000;
  db.transaction(
    SUPERUSER_ID,
    {},
    (env) => {
      seedBase(env);
      const uidOf = (login: string): number =>
        [...env.store.rows('res.users')].find((u) => u['login'] === login)?.id ?? 0;
      db.apiKeys.set(BOT_API_KEY, uidOf(BOT_LOGIN));
      db.apiKeys.set(READER_API_KEY, uidOf(READER_LOGIN));
      if (!env.hasModel('stock.warehouse')) return;
      seedLocations(env);
      if (kind === 'demo') seedCatalogue(env);
    },
    seededAt,
  );
}

function seedBase(env: Env): void {
  const [companyPartner] = orm.create(env, 'res.partner', [{ name: 'My Company', is_company: true }]) as [
    number,
  ];
  orm.create(env, 'res.company', [{ name: 'My Company', partner_id: companyPartner }]);
  orm.update(env, 'res.partner', companyPartner, { company_id: 1 });
  orm.create(env, 'uom.uom', [{ name: 'Units' }]);
  const all = 'base,stock,sale,mrp';
  // ids follow Odoo's: 1 = OdooBot (superuser, inactive), 2 = admin; then the bot (3) and the reader (4)
  const users = [
    { name: 'OdooBot', login: '__system__', active: false, groups: all, password: null },
    { name: 'Mitchell Admin', login: ADMIN_LOGIN, active: true, groups: all, password: ADMIN_PASSWORD },
    { name: 'Stock Sync Bot', login: BOT_LOGIN, active: true, groups: all, password: null },
    { name: 'Read Only', login: READER_LOGIN, active: true, groups: 'base', password: null },
  ];
  for (const { name, login, active, groups, password } of users) {
    const [id] = orm.create(env, 'res.users', [
      { name, login, active, company_id: 1, company_ids: [[6, 0, [1]]] },
    ]) as [number];
    orm.update(env, 'res.users', id, { sim_groups: groups, password });
  }
}

function seedLocations(env: Env): void {
  const view = (name: string): number =>
    (orm.create(env, 'stock.location', [{ name, usage: 'view' }]) as [number])[0];
  view('Physical Locations');
  const partners = view('Partners');
  const virtual = view('Virtual Locations');
  orm.create(env, 'stock.location', [
    { name: 'Vendors', usage: 'supplier', location_id: partners },
    { name: 'Customers', usage: 'customer', location_id: partners },
    { name: 'Inventory adjustment', usage: 'inventory', location_id: virtual, company_id: 1 },
    { name: 'Production', usage: 'production', location_id: virtual, company_id: 1 },
  ]);
  orm.create(env, 'stock.warehouse', [
    { name: 'Main Warehouse', code: 'WH', company_id: 1 },
    { name: 'Second Warehouse', code: 'WH2', company_id: 1 },
  ]);
}

function seedCatalogue(env: Env): void {
  orm.create(env, 'res.partner', [
    { name: 'Deco Addict', is_company: true, email: 'deco.addict82@example.com' },
  ]);
  const productIds = new Map<string, number>();
  const templateIds = new Map<string, number>();
  for (const item of DEMO_PRODUCTS) {
    let tmplId = templateIds.get(item.template);
    if (tmplId === undefined) {
      [tmplId] = orm.create(env.withContext({ create_product_product: false }), 'product.template', [
        { name: item.template, list_price: 10 },
      ]) as [number];
      templateIds.set(item.template, tmplId);
      // internal columns behind type/detailed_type/is_storable, whatever the version
      orm.update(env, 'product.template', tmplId, {
        goods_type: item.kind === 'service' ? 'service' : 'consu',
        storable: item.kind === 'storable',
      });
    }
    const [productId] = orm.create(env, 'product.product', [
      { product_tmpl_id: tmplId, default_code: item.sku },
    ]) as [number];
    if (item.variant) orm.update(env, 'product.product', productId, { variant_label: item.variant });
    productIds.set(item.sku, productId);
  }
  const warehouses = new Map(
    [...env.store.rows('stock.warehouse')].map((w) => [String(w['code']), w['lot_stock_id'] as number]),
  );
  for (const [sku, stock] of Object.entries(DEMO_STOCK))
    for (const [code, quantity] of Object.entries(stock))
      setInventory(env, productIds.get(sku) as number, warehouses.get(code) as number, quantity);
  for (const item of DEMO_PRODUCTS)
    if (item.archived)
      orm.write(env, 'product.product', [productIds.get(item.sku) as number], { active: false });
  if (env.hasModel('mrp.bom'))
    orm.create(env, 'mrp.bom', [
      {
        product_tmpl_id: templateIds.get('Gift Set'),
        type: 'phantom',
        product_qty: 1,
        bom_line_ids: [
          [0, 0, { product_id: productIds.get('MUG-BLUE'), product_qty: 1 }],
          [0, 0, { product_id: productIds.get('SOCKS'), product_qty: 2 }],
        ],
      },
    ]);
}
