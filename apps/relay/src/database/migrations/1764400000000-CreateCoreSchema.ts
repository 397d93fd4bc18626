import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Tenants, agents, the inventory (current levels + append-only event log), channels and their listings. */
export class CreateCoreSchema1764400000000 implements MigrationInterface {
  name = 'CreateCoreSchema1764400000000'; // explicit: bundlers may rename classes

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "tenants" (
      "id" uuid NOT NULL DEFAULT gen_random_uuid(),
      "name" text NOT NULL,
      "created_at" timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT "pk_tenants" PRIMARY KEY ("id"))`);

    await q.query(`CREATE TABLE "agents" (
      "id" uuid NOT NULL DEFAULT gen_random_uuid(),
      "tenant_id" uuid NOT NULL,
      "name" text NOT NULL,
      "token_hash" text NOT NULL,
      "token_prefix" text NOT NULL,
      "revoked_at" timestamptz,
      "last_seen_at" timestamptz,
      "connected" boolean NOT NULL DEFAULT false,
      "agent_version" text,
      "odoo_version" text,
      "outbox_depth" integer NOT NULL DEFAULT 0,
      "created_at" timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT "pk_agents" PRIMARY KEY ("id"),
      CONSTRAINT "fk_agents_tenant" FOREIGN KEY ("tenant_id") REFERENCES "tenants" ("id"))`);
    await q.query(`CREATE UNIQUE INDEX "uq_agents_token_hash" ON "agents" ("token_hash")`);
    await q.query(`CREATE INDEX "ix_agents_tenant" ON "agents" ("tenant_id")`);

    await q.query(`CREATE TABLE "stock_levels" (
      "tenant_id" uuid NOT NULL,
      "agent_id" uuid NOT NULL,
      "warehouse" text NOT NULL,
      "product_id" bigint NOT NULL,
      "sku" text,
      "barcode" text,
      "on_hand" numeric NOT NULL,
      "free" numeric NOT NULL,
      "forecast" numeric NOT NULL,
      "active" boolean NOT NULL,
      "version" bigint NOT NULL,
      "observed_at" timestamptz NOT NULL,
      "updated_at" timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT "pk_stock_levels" PRIMARY KEY ("tenant_id", "agent_id", "warehouse", "product_id"))`);
    await q.query(`CREATE INDEX "ix_stock_levels_tenant_sku" ON "stock_levels" ("tenant_id", "sku")`);

    await q.query(`CREATE TABLE "level_events" (
      "id" BIGSERIAL NOT NULL,
      "tenant_id" uuid NOT NULL,
      "agent_id" uuid NOT NULL,
      "event_id" text NOT NULL,
      "frame_id" text NOT NULL,
      "product_id" bigint NOT NULL,
      "sku" text,
      "warehouse" text NOT NULL,
      "on_hand" numeric NOT NULL,
      "free" numeric NOT NULL,
      "forecast" numeric NOT NULL,
      "active" boolean NOT NULL,
      "version" bigint NOT NULL,
      "observed_at" timestamptz NOT NULL,
      "received_at" timestamptz NOT NULL DEFAULT now(),
      "applied" boolean NOT NULL,
      "correlation_id" text NOT NULL,
      CONSTRAINT "pk_level_events" PRIMARY KEY ("id"))`);
    // Idempotency: a redelivered event (same tenant and event id) inserts nothing.
    await q.query(
      `CREATE UNIQUE INDEX "uq_level_events_tenant_event" ON "level_events" ("tenant_id", "event_id")`,
    );
    await q.query(
      `CREATE INDEX "ix_level_events_tenant_sku_received" ON "level_events" ("tenant_id", "sku", "received_at")`,
    );

    await q.query(`CREATE TABLE "channels" (
      "id" uuid NOT NULL DEFAULT gen_random_uuid(),
      "tenant_id" uuid NOT NULL,
      "name" text NOT NULL,
      "kind" text NOT NULL,
      "config" jsonb NOT NULL,
      "credentials_encrypted" text NOT NULL,
      "rule" jsonb NOT NULL,
      "paused" boolean NOT NULL DEFAULT false,
      "created_at" timestamptz NOT NULL DEFAULT now(),
      "updated_at" timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT "pk_channels" PRIMARY KEY ("id"),
      CONSTRAINT "ck_channels_kind" CHECK ("kind" IN ('shopify', 'woocommerce', 'ebay', 'amazon', 'webhook')),
      CONSTRAINT "fk_channels_tenant" FOREIGN KEY ("tenant_id") REFERENCES "tenants" ("id"))`);
    await q.query(`CREATE INDEX "ix_channels_tenant" ON "channels" ("tenant_id")`);

    await q.query(`CREATE TABLE "listings" (
      "id" uuid NOT NULL DEFAULT gen_random_uuid(),
      "tenant_id" uuid NOT NULL,
      "channel_id" uuid NOT NULL,
      "sku" text NOT NULL,
      "external_id" text NOT NULL,
      "extra" jsonb NOT NULL DEFAULT '{}',
      "rule_override" jsonb,
      "dirty_seq" bigint NOT NULL DEFAULT 1,
      "pushed_seq" bigint NOT NULL DEFAULT 0,
      "dirty_since" timestamptz DEFAULT now(),
      "attempts" integer NOT NULL DEFAULT 0,
      "next_attempt_at" timestamptz,
      "last_error" text,
      "last_pushed_quantity" integer,
      "last_pushed_at" timestamptz,
      "created_at" timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT "pk_listings" PRIMARY KEY ("id"),
      CONSTRAINT "fk_listings_channel" FOREIGN KEY ("channel_id") REFERENCES "channels" ("id") ON DELETE CASCADE)`);
    await q.query(`CREATE UNIQUE INDEX "uq_listings_channel_sku" ON "listings" ("channel_id", "sku")`);
    await q.query(`CREATE INDEX "ix_listings_tenant_sku" ON "listings" ("tenant_id", "sku")`);
    // The push sweeper's scan: only dirty listings are in it, oldest first per channel.
    await q.query(
      `CREATE INDEX "ix_listings_dirty" ON "listings" ("channel_id", "dirty_since") WHERE "dirty_seq" > "pushed_seq"`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['listings', 'channels', 'level_events', 'stock_levels', 'agents', 'tenants']) {
      await q.query(`DROP TABLE "${table}"`);
    }
  }
}
