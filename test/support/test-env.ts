import { execFileSync } from 'node:child_process';

/** One PostgreSQL database and one RabbitMQ vhost per test run, named after the run, so runs never collide. */
export interface TestEnvironment {
  runId: string;
  databaseUrl: string;
  amqpUrl: string;
}

const PG_ADMIN_URL = process.env['E2E_PG_ADMIN_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const AMQP_BASE_URL = process.env['E2E_AMQP_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672';

export function describeTestEnvironment(runId: string): TestEnvironment {
  const db = new URL(PG_ADMIN_URL);
  db.pathname = `/${runId}`;
  return { runId, databaseUrl: db.href, amqpUrl: `${AMQP_BASE_URL}/${runId}` };
}

export function pgAdminUrl(): string {
  return PG_ADMIN_URL;
}

/** vhosts are managed with rabbitmqctl, which this machine has beside the broker. */
export function rabbitmqctl(...args: string[]): void {
  execFileSync('rabbitmqctl', ['-q', ...args], { stdio: 'pipe' });
}
