import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The correlation id of the poll that produced each current level, so a push can name the change it carries
 * (logs follow one change from the agent's poll to the channel call). Null for levels stored before this.
 */
export class AddLevelCorrelation1764400300000 implements MigrationInterface {
  name = 'AddLevelCorrelation1764400300000'; // explicit: bundlers may rename classes

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "stock_levels" ADD "correlation_id" text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "stock_levels" DROP COLUMN "correlation_id"`);
  }
}
