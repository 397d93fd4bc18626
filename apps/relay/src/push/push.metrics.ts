import { Counter, Gauge, Histogram } from 'prom-client';
import { SlidingRatio } from '../common/metrics/sliding-ratio';

/**
 * Push metrics on prom-client's default registry (served by the relay's /metrics). Created once per process:
 * several relay instances in one process (tests) share them, as registering a name twice throws.
 */
export const syncLatency = new Histogram({
  name: 'relay_sync_latency_seconds',
  help: 'Odoo observation to channel acceptance, per pushed item carrying a new observation, per channel',
  labelNames: ['channel_kind', 'channel'] as const, // channel: its id, so as many series as channels
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

export const deadLettersOpen = new Gauge({
  name: 'relay_dead_letters_open',
  help: 'Dead letters neither replayed nor discarded, per channel kind (refreshed by the push sweeper)',
  labelNames: ['kind'] as const,
});

/** The window operators read the success ratio over; the counters above give any other window. */
export const PUSH_RATIO_WINDOW_MS = 5 * 60_000;
const pushOutcomes = new SlidingRatio(PUSH_RATIO_WINDOW_MS);

export const pushSuccessRatio = new Gauge({
  name: 'relay_push_success_ratio',
  help: 'Pushed items the channel accepted / items pushed (accepted, retrying or dead), over the last 5 minutes, per channel kind; absent when nothing was pushed',
  labelNames: ['kind'] as const,
  collect() {
    this.reset(); // a kind with nothing pushed in the window shows no ratio rather than a stale one
    for (const [kind, ratio] of pushOutcomes.ratios()) this.set({ kind }, ratio);
  },
});

/** Records the items of one channel call: accepted ones and those that failed (to retry or dead). */
export function recordPushOutcomes(kind: string, ok: number, failed: number): void {
  pushOutcomes.record(kind, ok, failed);
}

const latencyKinds = new Map<string, string>(); // channel id -> kind, for the series to drop with the channel

export function observeSyncLatency(kind: string, channelId: string, seconds: number): void {
  latencyKinds.set(channelId, kind);
  syncLatency.observe({ channel_kind: kind, channel: channelId }, seconds);
}

/** A deleted channel's latency series goes with it, so the series stay bounded by the live channels. */
export function forgetChannelMetrics(channelId: string): void {
  const kind = latencyKinds.get(channelId);
  if (kind === undefined) return;
  latencyKinds.delete(channelId);
  syncLatency.remove({ channel_kind: kind, channel: channelId });
}
