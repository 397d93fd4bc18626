import { connect as amqpConnect } from 'amqplib';
import { Client } from 'pg';

const TIMEOUT_MS = 5_000;

/** A URL fit for a log line or an error: the password is masked. */
export function maskUrl(raw: string): string {
  try {
    const url = new URL(raw);
    if (url.password) url.password = '***';
    return url.href;
  } catch {
    return '<unparseable URL>';
  }
}

export class DependencyUnavailableError extends Error {
  override readonly name = 'DependencyUnavailableError';
}

/** The error code (ECONNREFUSED, ENOTFOUND...) or message; duck-typed, as errors may come from another realm. */
function reasonOf(err: unknown): string {
  if (typeof err !== 'object' || err === null) return String(err);
  const e = err as { code?: unknown; message?: unknown; errors?: unknown };
  if (typeof e.code === 'string' && e.code) return e.code;
  if (Array.isArray(e.errors) && e.errors.length > 0) return reasonOf(e.errors[0]); // AggregateError (IPv4 + IPv6)
  return typeof e.message === 'string' && e.message ? e.message : 'unknown error';
}

/** Fails in one sentence naming the URL (password masked) and how to start PostgreSQL. */
export async function assertPostgresReachable(url: string): Promise<void> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: TIMEOUT_MS });
  client.on('error', () => undefined); // a late socket error after a failed connect must not crash the process
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code === '3D000') {
      const db = new URL(url).pathname.slice(1);
      throw new DependencyUnavailableError(
        `PostgreSQL at ${maskUrl(url)} has no database "${db}": create it with \`createdb ${db}\` and run \`npm run migration:run\`.`,
      );
    }
    throw new DependencyUnavailableError(
      `Cannot reach PostgreSQL at ${maskUrl(url)} (${reasonOf(err)}): start one with \`docker compose up -d postgres\` or set DATABASE_URL.`,
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Fails in one sentence naming the URL (password masked) and how to start RabbitMQ. */
export async function assertRabbitMqReachable(url: string): Promise<void> {
  try {
    const conn = await amqpConnect(url, { timeout: TIMEOUT_MS });
    conn.on('error', () => undefined);
    await conn.close();
  } catch (err) {
    throw new DependencyUnavailableError(
      `Cannot reach RabbitMQ at ${maskUrl(url)} (${reasonOf(err)}): start one with \`docker compose up -d rabbitmq\` or set AMQP_URL.`,
    );
  }
}
