import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { relayDataSourceOptions } from '../../apps/relay/src/database/data-source';
import { describeTestEnvironment, pgAdminUrl, rabbitmqctl } from './test-env';

/** A fresh database built by the real migrations, and a fresh broker vhost, for this run. */
export default async function globalSetup(): Promise<void> {
  const env = describeTestEnvironment(`e2e_${process.pid}_${Date.now().toString(36)}`);
  const admin = new Client({ connectionString: pgAdminUrl() });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${env.runId}`);
  } finally {
    await admin.end();
  }
  rabbitmqctl('add_vhost', env.runId);
  rabbitmqctl('set_permissions', '-p', env.runId, 'guest', '.*', '.*', '.*');

  const ds = await new DataSource(relayDataSourceOptions(env.databaseUrl)).initialize();
  try {
    await ds.runMigrations();
    const { upQueries } = await ds.driver.createSchemaBuilder().log(); // entities and migrations must agree
    if (upQueries.length > 0) throw new Error(`Schema drift:\n${upQueries.map((q) => q.query).join('\n')}`);
  } finally {
    await ds.destroy();
  }
  process.env['E2E_RUN_ID'] = env.runId;
  process.env['DATABASE_URL'] = env.databaseUrl;
  process.env['AMQP_URL'] = env.amqpUrl;
}
