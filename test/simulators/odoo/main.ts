import { ADMIN_LOGIN, ADMIN_PASSWORD, READER_API_KEY, READER_LOGIN } from './seed';
import { startOdooSimulator } from './odoo-simulator';

/** Standalone Odoo simulator: ODOO_SIM_PORT (8069), ODOO_SIM_VERSION (16|17|18|19, 17), ODOO_SIM_DB (odoo). */
async function main(): Promise<void> {
  const port = Number(process.env['ODOO_SIM_PORT'] ?? 8069);
  const version = Number(process.env['ODOO_SIM_VERSION'] ?? 17);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error('ODOO_SIM_PORT: expected a port number');
  if (version !== 16 && version !== 17 && version !== 18 && version !== 19)
    throw new Error('ODOO_SIM_VERSION: expected 16, 17, 18 or 19');
  const sim = await startOdooSimulator({
    port,
    version,
    db: process.env['ODOO_SIM_DB'] ?? 'odoo',
    host: '127.0.0.1',
  });
  const lines = [
    `Odoo ${version}.0 simulator listening on ${sim.url} (database "${sim.db}")`,
    `  sync bot : login ${sim.login}  API key ${sim.apiKey}`,
    `  reader   : login ${READER_LOGIN}  API key ${READER_API_KEY} (no stock rights)`,
    `  admin    : login ${ADMIN_LOGIN}  password ${ADMIN_PASSWORD}`,
  ];
  if (version >= 19)
    lines.push(`  JSON-2   : POST ${sim.url}/json/2/<model>/<method> with Authorization: bearer <key>`);
  process.stdout.write(`${lines.join('\n')}\n`);
  const stop = (): void => void sim.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`odoo simulator: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
