import type { DataSource, QueryRunner } from 'typeorm';
import { reconcileLockKey } from './reconcile-schedule';

/**
 * One reconciliation per tenant at a time across every relay instance: a session-level pg advisory lock, held on a
 * connection of its own for the whole run (a pooled query would hand the session back, and the lock with it).
 * If that connection dies, PostgreSQL drops the lock: another instance may then start a run, and the abandoned
 * one is recorded as failed by whoever takes the lock next.
 */
export class TenantLock {
  private released = false;

  private constructor(
    private readonly runner: QueryRunner,
    private readonly key: string,
    readonly tenantId: string,
  ) {}

  /** The lock, or null when another session holds it. Never waits. */
  static async tryAcquire(db: DataSource, tenantId: string): Promise<TenantLock | null> {
    const key = reconcileLockKey(tenantId);
    const runner = db.createQueryRunner();
    try {
      await runner.connect();
      const rows: unknown = await runner.query(`SELECT pg_try_advisory_lock($1::bigint) AS locked`, [key]);
      const locked = Array.isArray(rows) && (rows as Array<{ locked?: unknown }>)[0]?.locked === true;
      if (locked) return new TenantLock(runner, key, tenantId);
    } catch (err) {
      await runner.release().catch(() => undefined);
      throw err;
    }
    await runner.release();
    return null;
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    try {
      await this.runner.query(`SELECT pg_advisory_unlock($1::bigint)`, [this.key]);
    } finally {
      await this.runner.release();
    }
  }
}
