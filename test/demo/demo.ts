import { Chain, type OdooConnection } from '../support/chain';
import { maskUrl, prepareBroker, prepareDatabase } from './demo-services';

/**
 * `npm run demo`: the whole chain on the simulators (or a real Odoo given ODOO_URL and friends). Makes stock changes
 * in Odoo as a person would and prints each one arriving at Shopify with its latency, then a final table.
 */
const DEMO_NAME = 'stockbridge_demo';
const out = (line = ''): void => void process.stdout.write(`${line}\n`);
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

function realOdoo(): OdooConnection | undefined {
  const { ODOO_URL, ODOO_DB, ODOO_USER, ODOO_API_KEY } = process.env;
  if (!ODOO_URL) return undefined;
  const missing = Object.entries({ ODOO_DB, ODOO_USER, ODOO_API_KEY }).filter(([, v]) => !v);
  if (missing.length > 0)
    throw new Error(`ODOO_URL is set, so also set ${missing.map(([k]) => k).join(', ')}`);
  return { url: ODOO_URL, db: ODOO_DB!, login: ODOO_USER!, apiKey: ODOO_API_KEY! };
}

async function main(): Promise<void> {
  const odoo = realOdoo();
  out(
    `StockBridge demo: ${odoo ? `Odoo at ${odoo.url}` : 'Odoo simulator'} → agent → RabbitMQ → WebSocket → relay → PostgreSQL → Shopify simulator`,
  );
  const adminUrl = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const databaseUrl = await prepareDatabase(adminUrl, DEMO_NAME);
  out(`✔ PostgreSQL: fresh database ${maskUrl(databaseUrl)}, migrations applied`);
  const amqpUrl = await prepareBroker(
    process.env['AMQP_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672',
    DEMO_NAME,
  );
  out(`✔ RabbitMQ: ${maskUrl(amqpUrl)}`);

  const chain = new Chain({
    odoo,
    databaseUrl,
    amqpUrl,
    pollIntervalMs: 1_000,
    logLevel: process.env['LOG_LEVEL'] ?? 'error',
  });
  const started = Date.now();
  try {
    await chain.start();
    out(
      `✔ Odoo ${chain.odooSim ? `simulator ${chain.odooSim.version}.0 ` : ''}at ${chain.odoo.url}, database "${chain.odoo.db}"`,
    );
    out(`✔ Shopify simulator at ${chain.shopify.url} with ${chain.skus.length} SKUs`);
    out(
      `✔ relay at ${chain.relay.url}: tenant, agent token, Shopify channel and ${chain.skus.length} listings created through the admin API`,
    );
    await chain.converged(60_000);
    out(
      `✔ agent connected; first sync done: every SKU on Shopify equals Odoo (${Date.now() - started} ms from start)`,
    );
    out();
    if (chain.odooSim) await simulatedChanges(chain);
    else await watchRealOdoo(chain, Number(process.env['DEMO_WATCH_SECONDS'] ?? 60));
    out();
    await reconciliation(chain);
    out();
    await finalTable(chain);
  } finally {
    await chain.stop();
  }
}

/** Each change made as a person would, timed until Shopify shows the quantity Odoo now has. */
async function simulatedChanges(chain: Chain): Promise<void> {
  out('Stock changes made in Odoo, and when Shopify shows them:');
  const steps: Array<{ label: string; sku: string; act: () => Promise<unknown> }> = [
    {
      label: 'Inventory adjustment: CAP counted 42 in WH',
      sku: 'CAP',
      act: () => chain.odooClient.adjustInventory('CAP', 'WH', 42),
    },
    {
      label: 'Sale order confirmed: 3 × TEE-S reserved',
      sku: 'TEE-S',
      act: () => chain.odooClient.createAndConfirmSale([{ sku: 'TEE-S', qty: 3 }], 'WH'),
    },
    {
      label: 'Delivery validated: 2 × MUG-RED shipped',
      sku: 'MUG-RED',
      act: async () => {
        const sale = await chain.odooClient.createAndConfirmSale([{ sku: 'MUG-RED', qty: 2 }], 'WH');
        for (const id of sale.pickingIds) await chain.odooClient.validateDelivery(id);
      },
    },
    {
      label: 'Component counted: SOCKS set to 4 in WH (kit GIFT-SET follows)',
      sku: 'GIFT-SET',
      act: () => chain.odooClient.adjustInventory('SOCKS', 'WH', 4),
    },
    {
      label: 'Second warehouse: MUG-BLUE counted 9 in WH2',
      sku: 'MUG-BLUE',
      act: () => chain.odooClient.adjustInventory('MUG-BLUE', 'WH2', 9),
    },
    { label: 'Product archived: CAP', sku: 'CAP', act: () => chain.odooClient.archiveProduct('CAP') },
  ];
  for (const [i, step] of steps.entries()) {
    const before = chain.shopifyQuantity(step.sku);
    await step.act();
    const expected = await chain.odooFree(step.sku);
    const latency = await timeUntil(() => chain.shopifyQuantity(step.sku) === expected, 30_000);
    const arrow = `${step.sku} ${before ?? '–'} → ${expected}`;
    out(
      `  ${i + 1}. ${step.label.padEnd(64)} Shopify ${arrow.padEnd(18)} ${latency === null ? 'NOT ARRIVED in 30 s' : `in ${latency} ms`}`,
    );
  }
}

interface RunView {
  status: string;
  durationMs: number | null;
  productsChecked: number;
  listingsChecked: number;
  relayCorrections: number;
  channelCorrections: Record<string, number>;
  correctionsRatio: number | null;
}

/** What real time cannot see (a quantity edited by hand on Shopify), put right by a run started through the API. */
async function reconciliation(chain: Chain): Promise<void> {
  const sku = chain.skus[0] ?? '';
  const should = chain.shopifyQuantity(sku) ?? 0;
  const item = chain.shopify.itemIdBySku(sku);
  if (item === undefined) throw new Error(`the Shopify simulator has no item for ${sku}`);
  chain.shopify.setQuantity(item, should + 40);
  out(
    `Reconciliation: ${sku} edited by hand on Shopify (${should} → ${should + 40}), a run started through the API`,
  );
  const started = Date.now();
  const runs = `/api/v1/tenants/${chain.tenantId}/reconciliation-runs`;
  const { id } = await chain.admin.post<{ id: string }>(runs, {});
  let run = await chain.admin.get<RunView>(`${runs}/${id}`);
  while (run.status === 'running' && Date.now() - started < 120_000) {
    await pause(100);
    run = await chain.admin.get<RunView>(`${runs}/${id}`);
  }
  const fixed = Object.values(run.channelCorrections).reduce((a, b) => a + b, 0);
  const ratio = run.correctionsRatio === null ? 'n/a' : `${(run.correctionsRatio * 100).toFixed(1)} %`;
  out(
    `  run ${run.status} in ${run.durationMs ?? '?'} ms: ${run.productsChecked} products and ${run.listingsChecked} ` +
      `listings checked, ${run.relayCorrections} relay and ${fixed} channel correction(s), corrections ratio ${ratio}`,
  );
  const latency = await timeUntil(() => chain.shopifyQuantity(sku) === should, 30_000);
  out(
    latency === null
      ? `  ✘ Shopify ${sku} still shows ${chain.shopifyQuantity(sku) ?? '–'}`
      : `  Shopify ${sku} back to ${should}, ${Date.now() - started} ms after the run started`,
  );
  if (latency === null) process.exitCode = 1;
}

async function watchRealOdoo(chain: Chain, seconds: number): Promise<void> {
  out(
    `Watching for ${seconds} s: change stock in Odoo and see it arrive (DEMO_WATCH_SECONDS sets how long).`,
  );
  const last = new Map(chain.skus.map((sku) => [sku, chain.shopifyQuantity(sku)]));
  const until = Date.now() + seconds * 1000;
  while (Date.now() < until) {
    for (const sku of chain.skus) {
      const now = chain.shopifyQuantity(sku);
      if (now !== last.get(sku))
        out(`  ${new Date().toISOString()}  Shopify ${sku}: ${last.get(sku) ?? '–'} → ${now ?? '–'}`);
      last.set(sku, now);
    }
    await pause(100);
  }
}

async function finalTable(chain: Chain): Promise<void> {
  const rows = await chain.converged(30_000).catch(async () =>
    Promise.all(
      chain.skus.map(async (sku) => ({
        sku,
        odoo: await chain.odooFree(sku),
        shopify: chain.shopifyQuantity(sku),
      })),
    ),
  );
  out(`${'SKU'.padEnd(16)}${'Odoo free'.padStart(10)}${'Shopify'.padStart(10)}`);
  for (const r of rows)
    out(
      `${r.sku.padEnd(16)}${String(r.odoo).padStart(10)}${String(r.shopify ?? '–').padStart(10)}${r.odoo === r.shopify ? '' : '   ✘ differs'}`,
    );
  const same = rows.every((r) => r.odoo === r.shopify);
  out(same ? `✔ all ${rows.length} SKUs in step` : '✘ some SKUs differ');
  if (!same) process.exitCode = 1;
}

async function timeUntil(check: () => boolean, timeoutMs: number): Promise<number | null> {
  const t0 = Date.now();
  while (Date.now() - t0 < timeoutMs) {
    if (check()) return Date.now() - t0;
    await pause(5);
  }
  return null;
}

main().catch((err: unknown) => {
  process.stderr.write(`✘ ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
