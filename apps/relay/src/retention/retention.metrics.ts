import { Counter } from 'prom-client';

/** On prom-client's default registry (the relay's /metrics); module-level, as several relays may share a process. */
export const retentionDeleted = new Counter({
  name: 'relay_retention_deleted_total',
  help: 'Rows of the append-only logs deleted for being older than RETENTION_DAYS, by table',
  labelNames: ['table'] as const,
});
