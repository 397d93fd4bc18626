import { connect as amqpConnect } from 'amqplib';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { relayDataSourceOptions } from '../../apps/relay/src/database/data-source';
import { startRelay, type RunningRelay } from '../../apps/relay/src/relay';
import { AdminClient } from '../support/admin-client';
import { rabbitmqctl } from '../support/test-env';

const PG_ADMIN_URL = process.env['BENCH_PG_ADMIN_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const AMQP_BASE_URL = process.env['BENCH_AMQP_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672';

/** The bench's own database and vhost, named after the process, dropped again by `dispose()`. */
export interface BenchServices {
  name: string;
  databaseUrl: string;
  amqpUrl: string;
  versions: { postgres: string; rabbitmq: string };
  dispose(): Promise<void>;
}

function describeFailure(err: unknown): string {
  if (err instanceof Error) return (err as NodeJS.ErrnoException).code ?? err.message;
  return String(err);
}

function masked(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.href;
}

/** Creates `bench_<pid>` (relay migrations applied) and a vhost of the same name; throws a clear message if not. */
export async function prepareServices(): Promise<BenchServices> {
  const name = `bench_${process.pid}`;
  const admin = new Client({ connectionString: PG_ADMIN_URL });
  try {
    await admin.connect();
  } catch (err) {
    throw new Error(
      `PostgreSQL is not reachable at ${masked(PG_ADMIN_URL)} (${describeFailure(err)}); set BENCH_PG_ADMIN_URL`,
    );
  }
  let postgres = 'unknown';
  try {
    const { rows } = await admin.query<{ server_version: string }>('SHOW server_version');
    postgres = rows[0]?.server_version ?? postgres;
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const db = new URL(PG_ADMIN_URL);
  db.pathname = `/${name}`;
  const databaseUrl = db.href;
  const ds = await new DataSource(relayDataSourceOptions(databaseUrl)).initialize();
  try {
    await ds.runMigrations();
  } finally {
    await ds.destroy();
  }

  let vhostCreated = false;
  const dropDatabase = async (): Promise<void> => {
    const a = new Client({ connectionString: PG_ADMIN_URL });
    await a.connect();
    try {
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    } finally {
      await a.end();
    }
  };
  try {
    try {
      rabbitmqctl('delete_vhost', name);
    } catch {
      // it did not exist: the usual case
    }
    rabbitmqctl('add_vhost', name);
    vhostCreated = true;
    rabbitmqctl('set_permissions', '-p', name, new URL(AMQP_BASE_URL).username || 'guest', '.*', '.*', '.*');
  } catch (err) {
    await dropDatabase();
    if (vhostCreated) rabbitmqctl('delete_vhost', name);
    throw new Error(`rabbitmqctl could not create vhost ${name}: ${describeFailure(err)}`);
  }
  const amqpUrl = `${AMQP_BASE_URL.replace(/\/+$/, '')}/${name}`;
  let rabbitmq = 'unknown';
  try {
    const conn = await amqpConnect(amqpUrl);
    const version: unknown = conn.connection.serverProperties['version'];
    if (typeof version === 'string') rabbitmq = version;
    await conn.close();
  } catch (err) {
    await dropDatabase();
    rabbitmqctl('delete_vhost', name);
    throw new Error(
      `RabbitMQ is not reachable at ${masked(amqpUrl)} (${describeFailure(err)}); set BENCH_AMQP_URL`,
    );
  }

  let disposed: Promise<void> | undefined;
  return {
    name,
    databaseUrl,
    amqpUrl,
    versions: { postgres, rabbitmq },
    dispose: () =>
      (disposed ??= (async () => {
        const problems: string[] = [];
        try {
          rabbitmqctl('delete_vhost', name);
        } catch (err) {
          problems.push(`vhost ${name}: ${describeFailure(err)}`);
        }
        await dropDatabase().catch((err: unknown) =>
          problems.push(`database ${name}: ${describeFailure(err)}`),
        );
        if (problems.length > 0) throw new Error(`bench clean-up incomplete: ${problems.join('; ')}`);
      })()),
  };
}

/** A relay as production runs it (default push settings), quiet logs, on an ephemeral port. */
export interface BenchRelay {
  relay: RunningRelay;
  admin: AdminClient;
  wsUrl: string;
}

export async function startBenchRelay(
  services: BenchServices,
  env: Record<string, string> = {},
): Promise<BenchRelay> {
  const adminKey = randomBytes(24).toString('hex');
  // The channels of earlier scenarios stay in the database while their simulators are gone: paused, so this
  // relay's push workers leave them alone and the scenario measures only its own work.
  const db = new Client({ connectionString: services.databaseUrl });
  await db.connect();
  try {
    await db.query('UPDATE channels SET paused = true WHERE NOT paused');
  } finally {
    await db.end();
  }
  const relay = await startRelay({
    port: 0,
    env: {
      DATABASE_URL: services.databaseUrl,
      AMQP_URL: services.amqpUrl,
      ADMIN_API_KEY: adminKey,
      RELAY_SECRET_KEY: randomBytes(32).toString('base64'),
      LOG_LEVEL: 'error',
      ...env,
    },
  });
  return {
    relay,
    admin: new AdminClient(relay.url, adminKey),
    wsUrl: `ws://127.0.0.1:${relay.port}/agent`,
  };
}

/** A tenant and one agent token per name, through the admin API as an operator would make them. */
export async function createTenantWithAgents(
  admin: AdminClient,
  tenantName: string,
  agentNames: string[],
): Promise<{ tenantId: string; agents: Array<{ id: string; token: string }> }> {
  const tenant = await admin.post<{ id: string }>('/api/v1/tenants', { name: tenantName });
  const agents: Array<{ id: string; token: string }> = [];
  for (const name of agentNames)
    agents.push(
      await admin.post<{ id: string; token: string }>(`/api/v1/tenants/${tenant.id}/agents`, { name }),
    );
  return { tenantId: tenant.id, agents };
}

export async function openDb(services: BenchServices): Promise<Client> {
  const db = new Client({ connectionString: services.databaseUrl });
  // The database is dropped WITH (FORCE) on Ctrl-C: the connection then dies, which must not crash the process.
  db.on('error', () => undefined);
  await db.connect();
  return db;
}
