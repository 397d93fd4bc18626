import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Reconciliation (layer 2): per-tenant settings, the record of every run, each agent's snapshot within a run and
 * the staging table its levels go to until the run has compared them with stock_levels.
 */
export class CreateReconciliation1764400200000 implements MigrationInterface {
  name = 'CreateReconciliation1764400200000'; // explicit: bundlers may rename classes

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "reconciliation_settings" (
      "tenant_id" uuid NOT NULL,
      "interval_minutes" integer NOT NULL DEFAULT 60,
      "zero_resend_age_minutes" integer NOT NULL DEFAULT 1440,
      "updated_at" timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT "pk_reconciliation_settings" PRIMARY KEY ("tenant_id"),
      CONSTRAINT "ck_reconciliation_settings_interval" CHECK ("interval_minutes" BETWEEN 1 AND 10080),
      CONSTRAINT "ck_reconciliation_settings_zero_resend" CHECK ("zero_resend_age_minutes" BETWEEN 1 AND 43200),
      CONSTRAINT "fk_reconciliation_settings_tenant" FOREIGN KEY ("tenant_id") REFERENCES "tenants" ("id")
        ON DELETE CASCADE)`);

    await q.query(`CREATE TABLE "reconciliation_runs" (
      "id" uuid NOT NULL DEFAULT gen_random_uuid(),
      "tenant_id" uuid NOT NULL,
      "trigger" text NOT NULL,
      "status" text NOT NULL DEFAULT 'running',
      "started_at" timestamptz NOT NULL DEFAULT now(),
      "finished_at" timestamptz,
      "duration_ms" integer,
      "products_checked" integer NOT NULL DEFAULT 0,
      "levels_checked" integer NOT NULL DEFAULT 0,
      "listings_checked" integer NOT NULL DEFAULT 0,
      "relay_corrections" integer NOT NULL DEFAULT 0,
      "channel_corrections" jsonb NOT NULL DEFAULT '{}',
      "zero_resends" jsonb NOT NULL DEFAULT '{}',
      "errors" jsonb NOT NULL DEFAULT '[]',
      "corrections_ratio" numeric,
      CONSTRAINT "pk_reconciliation_runs" PRIMARY KEY ("id"),
      CONSTRAINT "ck_reconciliation_runs_trigger" CHECK ("trigger" IN ('schedule', 'api')),
      CONSTRAINT "ck_reconciliation_runs_status" CHECK ("status" IN ('running', 'ok', 'failed')),
      CONSTRAINT "fk_reconciliation_runs_tenant" FOREIGN KEY ("tenant_id") REFERENCES "tenants" ("id")
        ON DELETE CASCADE)`);
    // The run list (newest first) and the scheduler's "last run of each tenant".
    await q.query(
      `CREATE INDEX "ix_reconciliation_runs_tenant_started" ON "reconciliation_runs" ("tenant_id", "started_at")`,
    );

    await q.query(`CREATE TABLE "reconciliation_snapshots" (
      "id" uuid NOT NULL DEFAULT gen_random_uuid(),
      "run_id" uuid NOT NULL,
      "tenant_id" uuid NOT NULL,
      "agent_id" uuid NOT NULL,
      "status" text NOT NULL DEFAULT 'requested',
      "attempt" integer NOT NULL DEFAULT 0,
      "page_size" integer NOT NULL,
      "warehouses" text array,
      "cutoff_version" bigint,
      "begun_at" timestamptz,
      "last_product_id" bigint NOT NULL DEFAULT 0,
      "last_seq" integer NOT NULL DEFAULT 0,
      "attempt_events" integer NOT NULL DEFAULT 0,
      "levels" integer NOT NULL DEFAULT 0,
      "error" text,
      "expires_at" timestamptz NOT NULL,
      "created_at" timestamptz NOT NULL DEFAULT now(),
      "updated_at" timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT "pk_reconciliation_snapshots" PRIMARY KEY ("id"),
      CONSTRAINT "ck_reconciliation_snapshots_status"
        CHECK ("status" IN ('requested', 'streaming', 'complete', 'failed')),
      CONSTRAINT "fk_reconciliation_snapshots_run" FOREIGN KEY ("run_id") REFERENCES "reconciliation_runs" ("id")
        ON DELETE CASCADE)`);
    await q.query(`CREATE INDEX "ix_reconciliation_snapshots_run" ON "reconciliation_snapshots" ("run_id")`);
    // Each relay instance looks up the open snapshots of the agents connected to it.
    await q.query(
      `CREATE INDEX "ix_reconciliation_snapshots_agent_status" ON "reconciliation_snapshots" ("agent_id", "status")`,
    );

    // UNLOGGED: a full snapshot is written here once per run and deleted right after; WAL for it buys nothing,
    // since a crash that empties the table is caught by the run (stored count != levels) and fails safe.
    await q.query(`CREATE UNLOGGED TABLE "reconciliation_snapshot_levels" (
      "snapshot_id" uuid NOT NULL,
      "warehouse" text NOT NULL,
      "product_id" bigint NOT NULL,
      "sku" text,
      "barcode" text,
      "on_hand" numeric NOT NULL,
      "free" numeric NOT NULL,
      "forecast" numeric NOT NULL,
      "version" bigint NOT NULL,
      "observed_at" timestamptz NOT NULL,
      "event_id" text NOT NULL,
      "correlation_id" text NOT NULL,
      CONSTRAINT "pk_reconciliation_snapshot_levels" PRIMARY KEY ("snapshot_id", "warehouse", "product_id"))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "reconciliation_snapshot_levels"`);
    await q.query(`DROP TABLE "reconciliation_snapshots"`);
    await q.query(`DROP TABLE "reconciliation_runs"`);
    await q.query(`DROP TABLE "reconciliation_settings"`);
  }
}
