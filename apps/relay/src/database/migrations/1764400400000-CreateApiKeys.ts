import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Tenant-scoped admin API keys, stored only as their SHA-256 (the key is shown once, at creation). */
export class CreateApiKeys1764400400000 implements MigrationInterface {
  name = 'CreateApiKeys1764400400000'; // explicit: bundlers may rename classes

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "api_keys" (
      "id" uuid NOT NULL DEFAULT gen_random_uuid(),
      "tenant_id" uuid NOT NULL,
      "name" text NOT NULL,
      "key_hash" text NOT NULL,
      "key_prefix" text NOT NULL,
      "created_at" timestamptz NOT NULL DEFAULT now(),
      "revoked_at" timestamptz,
      "last_used_at" timestamptz,
      CONSTRAINT "pk_api_keys" PRIMARY KEY ("id"),
      CONSTRAINT "fk_api_keys_tenant" FOREIGN KEY ("tenant_id") REFERENCES "tenants" ("id"))`);
    await q.query(`CREATE UNIQUE INDEX "uq_api_keys_key_hash" ON "api_keys" ("key_hash")`);
    await q.query(`CREATE INDEX "ix_api_keys_tenant" ON "api_keys" ("tenant_id")`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "api_keys"`);
  }
}
