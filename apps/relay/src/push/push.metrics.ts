import { Counter, Gauge, Histogram } from 'prom-client';

/**
 * Push metrics on prom-client's default registry (served by the relay's /metrics). Created once per process:
 * several relay instances in one process (tests) share them, as registering a name twice throws.
 */
export const syncLatency = new Histogram({
  name: 'relay_sync_latency_seconds',
  help: 'Odoo observation to channel acceptance, per pushed item carrying a new observation',
  labelNames: ['channel_kind'] as const,
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 1800],
});

export const pushItems = new Counter({
  name: 'relay_push_items_total',
  help: 'Listings handled by the push worker: ok, retry, dead, unchanged (no call needed), no_level (nothing to push)',
  labelNames: ['kind', 'status'] as const,
});

export const pushCalls = new Counter({
  name: 'relay_push_calls_total',
  help: 'Channel API calls made by the push worker, by outcome (ok, retryable, permanent)',
  labelNames: ['kind', 'outcome'] as const,
});

export const deadLetters = new Counter({
  name: 'relay_dead_letters_total',
  help: 'Pushes given up and written to dead_letters and push.dlq',
  labelNames: ['kind'] as const,
});

export const pushQueueDepth = new Gauge({
  name: 'relay_push_queue_depth',
  help: 'Dirty listings waiting to be pushed (the backlog; nudges themselves coalesce), per channel kind',
  labelNames: ['kind'] as const,
});
