/**
 * Runs the Shopify simulator on its own: `npm run sim:shopify`.
 *   SHOPIFY_SIM_PORT   port to listen on (default: an ephemeral one)
 *   SHOPIFY_SIM_SKUS   comma list of SKUs to seed, each optionally `SKU=quantity` (default SKU-1..SKU-3 with 10)
 *   SHOPIFY_SIM_TOKEN  the Admin API access token to accept (default: a random shpat_… value)
 *   SHOPIFY_SIM_PLAN   standard | advanced | plus | enterprise (restore rate 100/200/1000/2000 points/s)
 */
import { PLAN_RESTORE_RATE, startShopifySimulator, type ShopifyPlan } from './shopify-simulator';

async function main(): Promise<void> {
  const env = process.env;
  const port = env['SHOPIFY_SIM_PORT'] ? Number(env['SHOPIFY_SIM_PORT']) : 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`SHOPIFY_SIM_PORT: expected a port number, got "${env['SHOPIFY_SIM_PORT']}"`);
  const plan = env['SHOPIFY_SIM_PLAN'];
  if (plan !== undefined && !(plan in PLAN_RESTORE_RATE))
    throw new Error(
      `SHOPIFY_SIM_PLAN: expected one of ${Object.keys(PLAN_RESTORE_RATE).join(', ')}, got "${plan}"`,
    );
  const sim = await startShopifySimulator({
    port,
    ...(env['SHOPIFY_SIM_TOKEN'] ? { accessToken: env['SHOPIFY_SIM_TOKEN'] } : {}),
    ...(plan ? { plan: plan as ShopifyPlan } : {}),
  });
  const seeds = (env['SHOPIFY_SIM_SKUS'] ?? 'SKU-1=10,SKU-2=10,SKU-3=10')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const items = seeds.map((seed) => {
    const eq = seed.lastIndexOf('=');
    const sku = eq > 0 ? seed.slice(0, eq) : seed;
    const quantity = eq > 0 ? Number(seed.slice(eq + 1)) : 0;
    if (!Number.isInteger(quantity))
      throw new Error(`SHOPIFY_SIM_SKUS: "${seed}" has no whole quantity after '='`);
    return { sku, quantity, inventoryItemId: sim.addItem(sku, quantity) };
  });
  console.log(`Shopify simulator for ${sim.shop}`);
  console.log(`  url          ${sim.url}   (POST /admin/api/2026-04/graphql.json)`);
  console.log(`  accessToken  ${sim.accessToken}`);
  console.log(`  locationId   ${sim.locationId}`);
  for (const i of items) console.log(`  ${i.inventoryItemId}  ${i.sku}  available=${i.quantity}`);
  const stop = (): void => {
    sim.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
