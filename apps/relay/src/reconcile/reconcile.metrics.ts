import { Counter, Gauge } from 'prom-client';

/**
 * Reconciliation metrics on prom-client's default registry (served by the relay's /metrics). Module-level, so
 * several relay instances in one process (tests) share them: registering a name twice throws.
 */
export const reconcileRuns = new Counter({
  name: 'relay_reconcile_runs_total',
  help: 'Reconciliation runs finished, by status (ok: everything checked; failed: something left unchecked)',
  labelNames: ['status'] as const,
});

export const reconcileCorrections = new Counter({
  name: 'relay_reconcile_corrections_total',
  help: 'Corrections made by reconciliation: relay levels the Odoo snapshot changed (relay), listings whose live quantity drifted (channel)',
  labelNames: ['where'] as const,
});

export const reconcileZeroResends = new Counter({
  name: 'relay_reconcile_zero_resends_total',
  help: 'Listings showing 0 pushed again because the last push of that 0 was older than the tenant zero re-send age',
});

export const reconcileCorrectionsRatio = new Gauge({
  name: 'relay_reconcile_corrections_ratio',
  help: 'Corrections / items checked in the last reconciliation run of each tenant (the KPI: healthy below 0.01)',
  labelNames: ['tenant'] as const,
});
