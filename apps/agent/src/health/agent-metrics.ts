import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { ODOO_ERROR_KINDS } from '../odoo/odoo-error';

/** The agent's Prometheus metrics, in a registry of its own (tests start several agents in one process). */
export class AgentMetrics {
  readonly registry = new Registry();
  readonly uplinkConnected = new Gauge({
    name: 'agent_uplink_connected',
    help: '1 while the WebSocket to the relay is open',
    registers: [this.registry],
  });
  readonly outboxDepth = new Gauge({
    name: 'agent_outbox_depth',
    help: 'Frames waiting in the local outbox queue (not counting those in flight)',
    registers: [this.registry],
  });
  readonly outboxDeadLettered = new Gauge({
    name: 'agent_outbox_dlq_depth',
    help: 'Frames the relay refused as malformed, kept in agent.outbox.dlq',
    registers: [this.registry],
  });
  readonly outboxLag = new Gauge({
    name: 'agent_outbox_lag_seconds',
    help: 'How far the relay is behind: age of the newest level of the frame it acked last (read from Odoo to committed by the relay); 0 once nothing waits',
    registers: [this.registry],
  });
  readonly pollDuration = new Histogram({
    name: 'agent_odoo_poll_duration_seconds',
    help: 'Duration of one successful Odoo poll (read changes, publish to the outbox)',
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly levelsPublished = new Counter({
    name: 'agent_levels_published_total',
    help: 'Level events confirmed into the local outbox',
    registers: [this.registry],
  });
  readonly framesAcked = new Counter({
    name: 'agent_frames_acked_total',
    help: 'Frames the relay acked after committing them',
    registers: [this.registry],
  });
  readonly framesRejected = new Counter({
    name: 'agent_frames_rejected_total',
    help: 'Frames the relay rejected (retry or dead-lettered)',
    labelNames: ['retry'] as const,
    registers: [this.registry],
  });
  readonly odooErrors = new Counter({
    name: 'agent_odoo_errors_total',
    help: 'Polls that failed on Odoo, by error kind',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  constructor() {
    for (const kind of ODOO_ERROR_KINDS) this.odooErrors.inc({ kind }, 0); // every kind shows, at 0, from the start
    this.framesRejected.inc({ retry: 'true' }, 0);
    this.framesRejected.inc({ retry: 'false' }, 0);
  }
}
