import { Client } from 'pg';
import { pgAdminUrl, rabbitmqctl } from './test-env';

export default async function globalTeardown(): Promise<void> {
  const runId = process.env['E2E_RUN_ID'];
  if (!runId || process.env['E2E_KEEP'] === '1') return;
  const admin = new Client({ connectionString: pgAdminUrl() });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${runId} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
  rabbitmqctl('delete_vhost', runId);
}
