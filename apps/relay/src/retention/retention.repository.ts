import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { returnedRows } from '../database/query-results';

/** The append-only logs that retention trims, with the column that dates a row. */
export const RETAINED_TABLES = { level_events: 'received_at', deliveries: 'created_at' } as const;
export type RetainedTable = keyof typeof RETAINED_TABLES;

/** Advisory lock (two-int4 key space, apart from the tenants' int8 reconciliation keys): 'SB' 'RT'. */
export const RETENTION_LOCK = [0x5342, 0x5254] as const;

@Injectable()
export class RetentionRepository {
  constructor(private readonly db: DataSource) {}

  /**
   * Deletes the oldest `batch` rows of `table` that are dated before `before`, in one short transaction. The oldest
   * rows are found by primary key (ids grow with time), so no index on the dates is needed. Returns how many went,
   * or null when another relay instance is trimming right now.
   */
  async deleteOldest(table: RetainedTable, before: Date, batch: number): Promise<number | null> {
    const dated = RETAINED_TABLES[table];
    return this.db.transaction(async (tx) => {
      const [lock] = await tx.query<Array<{ locked?: unknown }>>(
        `SELECT pg_try_advisory_xact_lock($1, $2) AS locked`,
        [...RETENTION_LOCK],
      );
      if (lock?.locked !== true) return null;
      const result: unknown = await tx.query(
        `DELETE FROM ${table}
          WHERE id IN (SELECT id FROM ${table} ORDER BY id LIMIT $2) AND ${dated} < $1
          RETURNING 1`,
        [before, batch],
      );
      return returnedRows(result).length;
    });
  }
}
