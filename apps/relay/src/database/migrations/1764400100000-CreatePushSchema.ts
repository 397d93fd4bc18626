import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The push log (one row per item per attempt) and the dead letters the admin API lists and replays. */
export class CreatePushSchema1764400100000 implements MigrationInterface {
  name = 'CreatePushSchema1764400100000'; // explicit: bundlers may rename classes

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "deliveries" (
      "id" BIGSERIAL NOT NULL,
      "tenant_id" uuid NOT NULL,
      "channel_id" uuid NOT NULL,
      "listing_id" uuid NOT NULL,
      "sku" text NOT NULL,
      "quantity" integer NOT NULL,
      "status" text NOT NULL,
      "error" text,
      "attempt" integer NOT NULL,
      "latency_ms" integer,
      "duration_ms" integer NOT NULL,
      "created_at" timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT "pk_deliveries" PRIMARY KEY ("id"),
      CONSTRAINT "ck_deliveries_status" CHECK ("status" IN ('ok', 'retry', 'dead')),
      CONSTRAINT "fk_deliveries_channel" FOREIGN KEY ("channel_id") REFERENCES "channels" ("id") ON DELETE CASCADE)`);
    await q.query(
      `CREATE INDEX "ix_deliveries_channel_created" ON "deliveries" ("channel_id", "created_at")`,
    );
    // A dead letter's first_failed_at is looked up per listing.
    await q.query(
      `CREATE INDEX "ix_deliveries_listing_created" ON "deliveries" ("listing_id", "created_at")`,
    );

    await q.query(`CREATE TABLE "dead_letters" (
      "id" uuid NOT NULL DEFAULT gen_random_uuid(),
      "tenant_id" uuid NOT NULL,
      "channel_id" uuid NOT NULL,
      "listing_id" uuid NOT NULL,
      "sku" text NOT NULL,
      "quantity" integer,
      "error_code" text NOT NULL,
      "error_message" text NOT NULL,
      "attempts" integer NOT NULL,
      "first_failed_at" timestamptz NOT NULL,
      "created_at" timestamptz NOT NULL DEFAULT now(),
      "replayed_at" timestamptz,
      "discarded_at" timestamptz,
      CONSTRAINT "pk_dead_letters" PRIMARY KEY ("id"),
      CONSTRAINT "fk_dead_letters_channel" FOREIGN KEY ("channel_id") REFERENCES "channels" ("id") ON DELETE CASCADE)`);
    await q.query(
      `CREATE INDEX "ix_dead_letters_tenant_channel_created" ON "dead_letters" ("tenant_id", "channel_id", "created_at")`,
    );
    await q.query(`CREATE INDEX "ix_dead_letters_channel" ON "dead_letters" ("channel_id")`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "dead_letters"`);
    await q.query(`DROP TABLE "deliveries"`);
  }
}
