import { CloseCode } from '@stockbridge/shared';
import { createServer } from 'node:net';
import { Client } from 'pg';
import { startRelay } from '../../../apps/relay/src/relay';
import { AdminClient } from '../../support/admin-client';
import { connectAgent } from '../../support/agent-socket';

const ADMIN_API_KEY = 'relay-e2e-admin-key-startup-000';
const RELAY_SECRET_KEY = Buffer.alloc(32, 4).toString('base64');
const BASE_ENV = { ADMIN_API_KEY, RELAY_SECRET_KEY, LOG_LEVEL: 'error' };

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('relay start and stop', () => {
  it('fails in one sentence naming PostgreSQL’s URL, password masked, when it cannot be reached', async () => {
    const port = await closedPort();
    const url = `postgres://relay:pg-secret@127.0.0.1:${port}/relay`;
    const err = (await startRelay({ port: 0, env: { ...BASE_ENV, DATABASE_URL: url } }).catch(
      (e: unknown) => e,
    )) as Error;
    expect(err.message).toBe(
      `Cannot reach PostgreSQL at postgres://relay:***@127.0.0.1:${port}/relay (ECONNREFUSED): start one with \`docker compose up -d postgres\` or set DATABASE_URL.`,
    );
    expect(err.message).not.toContain('pg-secret');
  });

  it('fails naming RabbitMQ’s URL, password masked, when it cannot be reached', async () => {
    const port = await closedPort();
    const err = (await startRelay({
      port: 0,
      env: { ...BASE_ENV, AMQP_URL: `amqp://guest:mq-secret@127.0.0.1:${port}` },
    }).catch((e: unknown) => e)) as Error;
    expect(err.message).toBe(
      `Cannot reach RabbitMQ at amqp://guest:***@127.0.0.1:${port} (ECONNREFUSED): start one with \`docker compose up -d rabbitmq\` or set AMQP_URL.`,
    );
  });

  it('refuses to start without a usable RELAY_SECRET_KEY', async () => {
    await expect(
      startRelay({ port: 0, env: { ...BASE_ENV, RELAY_SECRET_KEY: 'dG9vLXNob3J0' } }),
    ).rejects.toThrow(/RELAY_SECRET_KEY: expected base64 of 32 random bytes/);
  });

  it('on shutdown closes agent sockets with 4503 and records the agents disconnected', async () => {
    const relay = await startRelay({ port: 0, env: BASE_ENV });
    const admin = new AdminClient(relay.url, ADMIN_API_KEY);
    const tenant = await admin.post<{ id: string }>('/api/v1/tenants', { name: 'shutdown' });
    const agent = await admin.post<{ id: string; token: string }>(`/api/v1/tenants/${tenant.id}/agents`, {
      name: 'site',
    });
    const client = await connectAgent(`${relay.url.replace('http', 'ws')}/agent`, agent.token);
    await relay.close();
    expect((await client.closed).code).toBe(CloseCode.ShuttingDown);
    const db = new Client({ connectionString: process.env['DATABASE_URL'] });
    await db.connect();
    try {
      const { rows } = await db.query<{ connected: boolean }>('SELECT connected FROM agents WHERE id = $1', [
        agent.id,
      ]);
      expect(rows).toEqual([{ connected: false }]);
    } finally {
      await db.end();
    }
  });
});
