import { runUntilSignal } from '../sim-kit';
import { startWebhookSimulator } from './webhook-simulator';

/** Standalone Webhook simulator: PORT (default ephemeral) and SEED_SKUS (default 5 listings SKU-1..n, quantity 10). */
async function main(): Promise<void> {
  const sim = await startWebhookSimulator({ port: Number(process.env['PORT'] ?? 0) });
  const seed = Number(process.env['SEED_SKUS'] ?? 5);
  const listings = Array.from({ length: seed }, (_, n) => {
    const i = n + 1;
    return { sku: `SKU-${i}`, ...sim.addListing(`SKU-${i}`, 10) };
  });
  process.stdout.write(
    `${JSON.stringify({ url: sim.endpoint, readUrl: sim.readUrl, credentials: sim.credentials, listings }, null, 2)}\n`,
  );
  runUntilSignal('Webhook', sim.close);
}

main().catch((err: unknown) => {
  process.stderr.write(`Webhook simulator failed to start: ${String(err)}\n`);
  process.exit(1);
});
