import { Injectable } from '@nestjs/common';
import { CloseCode, type AgentStatusV1 } from '@stockbridge/shared';
import { DomainError } from '../common/errors/domain-error';
import { offsetPage, type OffsetPage } from '../common/paging/offset-page';
import { AgentSessions } from '../gateway/agent-sessions.service';
import type { AuthenticatedAgent } from './agent-ref';
import { generateAgentToken, hashAgentToken, looksLikeAgentToken } from './agent-token';
import { AgentsRepository } from './agents.repository';
import type { ListAgentsQueryDto } from './dto/agent.dto';
import type { AgentEntity } from './entities/agent.entity';

@Injectable()
export class AgentsService {
  constructor(
    private readonly agents: AgentsRepository,
    private readonly sessions: AgentSessions,
  ) {}

  /** The token is returned here once and never again: only its hash is stored. */
  async create(tenantId: string, name: string): Promise<{ agent: AgentEntity; token: string }> {
    const { token, hash, prefix } = generateAgentToken();
    return { agent: await this.agents.create(tenantId, name, hash, prefix), token };
  }

  /** Every agent of the tenant, unpaged: for the relay's own use (reconciliation asks each for a snapshot). */
  list(tenantId: string): Promise<AgentEntity[]> {
    return this.agents.list(tenantId);
  }

  page(tenantId: string, q: ListAgentsQueryDto): Promise<OffsetPage<AgentEntity>> {
    return offsetPage(q, (window) =>
      this.agents.page(tenantId, { revoked: q.revoked, connected: q.connected }, window),
    );
  }

  async get(tenantId: string, agentId: string): Promise<AgentEntity> {
    const agent = await this.agents.findOne(tenantId, agentId);
    if (!agent) throw new DomainError('AGENT_NOT_FOUND', `Agent ${agentId} not found`);
    return agent;
  }

  /** Revokes the token and closes the agent's open socket at once (4401), so it cannot send another frame. */
  async revoke(tenantId: string, agentId: string): Promise<AgentEntity> {
    const agent = await this.agents.revoke(tenantId, agentId);
    if (!agent) throw new DomainError('AGENT_NOT_FOUND', `Agent ${agentId} not found`);
    this.sessions.disconnect(agentId, CloseCode.Unauthorized, 'agent token revoked');
    return agent;
  }

  /**
   * A new token, shown once; the old one fails from now on and the socket opened with it is closed at once
   * (4401), so the agent must reconnect with the new token.
   */
  async rotateToken(tenantId: string, agentId: string): Promise<{ agent: AgentEntity; token: string }> {
    const { token, hash, prefix } = generateAgentToken();
    const agent = await this.agents.rotateToken(tenantId, agentId, hash, prefix);
    if (!agent) throw new DomainError('AGENT_NOT_FOUND', `Agent ${agentId} not found`);
    if (agent === 'revoked')
      throw new DomainError('AGENT_REVOKED', `Agent ${agentId} is revoked; create a new agent instead`);
    this.sessions.disconnect(agentId, CloseCode.Unauthorized, 'agent token rotated');
    return { agent, token };
  }

  /**
   * Closes (4401) the local sockets whose token no longer works because the agent was revoked or its token rotated
   * on another relay instance (each instance closes only the sockets it holds). Returns the agents closed.
   */
  async closeRevokedSessions(): Promise<string[]> {
    const stale = await this.agents.findStaleTokens(this.sessions.connectedTokens());
    for (const agentId of stale)
      this.sessions.disconnect(agentId, CloseCode.Unauthorized, 'agent token revoked or rotated');
    return stale;
  }

  /** Null for a missing, malformed, unknown or revoked token. */
  async authenticate(token: string | null): Promise<AuthenticatedAgent | null> {
    if (!token || !looksLikeAgentToken(token)) return null;
    const tokenHash = hashAgentToken(token);
    const agent = await this.agents.findActiveByTokenHash(tokenHash);
    return agent ? { ...agent, tokenHash } : null;
  }

  markConnected(agentId: string): Promise<void> {
    return this.agents.setConnected(agentId, true);
  }

  markDisconnected(agentId: string): Promise<void> {
    return this.agents.setConnected(agentId, false);
  }

  touch(agentId: string): Promise<void> {
    return this.agents.touch(agentId);
  }

  recordStatus(agentId: string, status: AgentStatusV1): Promise<void> {
    return this.agents.recordStatus(agentId, status);
  }
}
