import { execFileSync } from 'node:child_process';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import amqp from 'amqplib';
import { relayDataSourceOptions } from '../../apps/relay/src/database/data-source';

/** Hides the password of a service URL before it is printed. */
export function maskUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.href;
  } catch {
    return url;
  }
}

function reason(err: unknown): string {
  const e = err as { code?: string; message?: string };
  return e.code ?? e.message ?? String(err);
}

/** A fresh demo database, built by the real migrations. */
export async function prepareDatabase(adminUrl: string, name: string): Promise<string> {
  const admin = new Client({ connectionString: adminUrl });
  try {
    await admin.connect();
  } catch (err) {
    throw new Error(
      `PostgreSQL is not reachable at ${maskUrl(adminUrl)} (${reason(err)}): start it (docker compose up -d postgres) or set DATABASE_URL`,
    );
  }
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const ds = await new DataSource(relayDataSourceOptions(url.href)).initialize();
  try {
    await ds.runMigrations();
  } finally {
    await ds.destroy();
  }
  return url.href;
}

/**
 * The broker for the demo: a fresh vhost when rabbitmqctl is at hand (a local install), so earlier runs leave
 * nothing behind; the given URL as it is otherwise (e.g. RabbitMQ in docker compose).
 */
export async function prepareBroker(baseUrl: string, vhost: string): Promise<string> {
  let url = baseUrl;
  try {
    execFileSync('rabbitmqctl', ['-q', 'delete_vhost', vhost], { stdio: 'ignore' });
  } catch {
    // the vhost did not exist, or rabbitmqctl is not installed: both are fine here
  }
  try {
    execFileSync('rabbitmqctl', ['-q', 'add_vhost', vhost], { stdio: 'ignore' });
    execFileSync(
      'rabbitmqctl',
      ['-q', 'set_permissions', '-p', vhost, new URL(baseUrl).username || 'guest', '.*', '.*', '.*'],
      {
        stdio: 'ignore',
      },
    );
    url = `${baseUrl.replace(/\/+$/, '')}/${vhost}`;
  } catch {
    url = baseUrl;
  }
  try {
    const conn = await amqp.connect(url);
    await conn.close();
  } catch (err) {
    throw new Error(
      `RabbitMQ is not reachable at ${maskUrl(url)} (${reason(err)}): start it (docker compose up -d rabbitmq) or set AMQP_URL`,
    );
  }
  return url;
}
