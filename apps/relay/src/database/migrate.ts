import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { relayDataSourceOptions } from './data-source';
import { assertPostgresReachable, maskUrl } from './dependency-check';

/** `npm run migration:run`: applies pending migrations to DATABASE_URL (the relay never migrates at start). */
async function main(): Promise<void> {
  const url = process.env['DATABASE_URL'];
  if (!url) throw new Error('DATABASE_URL: required (postgres://user:password@host:port/db)');
  await assertPostgresReachable(url);
  const ds = await new DataSource(relayDataSourceOptions(url)).initialize();
  try {
    const applied = await ds.runMigrations({ transaction: 'each' });
    const names = applied.map((m) => m.name).join(', ');
    console.log(
      applied.length > 0
        ? `Applied ${applied.length} migration(s) to ${maskUrl(url)}: ${names}`
        : `${maskUrl(url)} is up to date`,
    );
  } finally {
    await ds.destroy();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
