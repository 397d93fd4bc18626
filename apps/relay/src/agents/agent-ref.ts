/** An authenticated agent: who is speaking on a socket. Tenant and agent never come from a frame's payload. */
export interface AgentRef {
  tenantId: string;
  agentId: string;
}

/** An agent as its socket authenticated it: the hash tells, later, whether that token is still the agent's. */
export interface AuthenticatedAgent extends AgentRef {
  tokenHash: string;
}

/** The relay pings every agent this often; an agent silent for three intervals is shown as disconnected. */
export const AGENT_PING_INTERVAL_MS = 15_000;
export const AGENT_STALE_AFTER_MS = 3 * AGENT_PING_INTERVAL_MS;
