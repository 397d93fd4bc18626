import type { LevelsFrameV1 } from '@stockbridge/shared';
import { Counter, Gauge } from 'prom-client';

/**
 * Agent ingest metrics on prom-client's default registry (served by /metrics). Created once per process, like
 * push.metrics.ts. The `agent` label is the agent id: bounded by the agents of the relay's tenants.
 */
export const framesTotal = new Counter({
  name: 'relay_frames_total',
  help: 'Agent frames answered: ack (committed) or reject (invalid or unknown, or not stored and to be retried)',
  labelNames: ['result'] as const,
});
framesTotal.inc({ result: 'ack' }, 0);
framesTotal.inc({ result: 'reject' }, 0);

export const levelEvents = new Counter({
  name: 'relay_level_events_total',
  help: 'Level events in committed frames (duplicates and stale versions included: the version guard drops them)',
});

/** Per relay instance in this process: the number of agents its sockets serve. */
const sessionCounts = new Set<() => number>();

export const agentsConnected = new Gauge({
  name: 'relay_agents_connected',
  help: 'Agents with an open WebSocket to this relay',
  collect() {
    let n = 0;
    for (const count of sessionCounts) n += count();
    this.set(n);
  },
});

export const agentOutboxDepth = new Gauge({
  name: 'relay_agent_outbox_depth',
  help: "Frames waiting in the agent's local outbox, as its last hello said (while connected)",
  labelNames: ['agent'] as const,
});

export const agentOutboxLag = new Gauge({
  name: 'relay_agent_outbox_lag_seconds',
  help: 'Age of the newest level of the last frame committed from this agent, when it was committed (Odoo read to commit)',
  labelNames: ['agent'] as const,
});

export const agentNewestObservation = new Gauge({
  name: 'relay_agent_newest_observation_timestamp_seconds',
  help: 'When the newest level committed from this agent was read from Odoo; time() minus this is how stale the relay is',
  labelNames: ['agent'] as const,
});

const newestObservedMs = new Map<string, number>();

/** Counts the agents of one relay instance until the returned function is called (at shutdown). */
export function countConnectedAgents(count: () => number): () => void {
  sessionCounts.add(count);
  return () => sessionCounts.delete(count);
}

export function recordFrameReply(result: 'ack' | 'reject' | 'command'): void {
  if (result !== 'command') framesTotal.inc({ result });
}

export function recordCommittedFrame(agentId: string, frame: LevelsFrameV1, now: number = Date.now()): void {
  levelEvents.inc(frame.events.length);
  let newest = Number.NEGATIVE_INFINITY;
  for (const e of frame.events) {
    const at = Date.parse(e.observedAt);
    if (at > newest) newest = at;
  }
  if (!Number.isFinite(newest)) return; // an empty frame
  agentOutboxLag.set({ agent: agentId }, Math.max(0, now - newest) / 1000);
  const known = newestObservedMs.get(agentId);
  if (known === undefined || newest > known) {
    newestObservedMs.set(agentId, newest); // a redelivered old frame never moves it back
    agentNewestObservation.set({ agent: agentId }, newest / 1000);
  }
}

export function recordAgentStatus(agentId: string, outboxDepth: number): void {
  agentOutboxDepth.set({ agent: agentId }, outboxDepth);
}

/** The agent's socket to this relay closed: its outbox depth is no longer known here. */
export function forgetAgentStatus(agentId: string): void {
  agentOutboxDepth.remove({ agent: agentId });
}
