import { Injectable } from '@nestjs/common';
import type { AgentStatusV1 } from '@stockbridge/shared';
import { DataSource, IsNull } from 'typeorm';
import { isUuid } from '../tenants/tenants.repository';
import { AGENT_STALE_AFTER_MS, type AgentRef } from './agent-ref';
import { AgentEntity } from './entities/agent.entity';

@Injectable()
export class AgentsRepository {
  constructor(private readonly db: DataSource) {}

  private get repo() {
    return this.db.getRepository(AgentEntity);
  }

  create(tenantId: string, name: string, tokenHash: string, tokenPrefix: string): Promise<AgentEntity> {
    return this.repo.save(this.repo.create({ tenantId, name, tokenHash, tokenPrefix }));
  }

  list(tenantId: string): Promise<AgentEntity[]> {
    return this.repo.find({ where: { tenantId }, order: { createdAt: 'ASC', id: 'ASC' } });
  }

  /** One more row than `limit`, so the caller can tell whether another page follows. */
  page(
    tenantId: string,
    filter: { revoked?: boolean; connected?: boolean },
    window: { limit: number; offset: number },
  ): Promise<AgentEntity[]> {
    const q = this.repo
      .createQueryBuilder('a')
      .where('a.tenant_id = :tenantId', { tenantId })
      .orderBy('a.created_at', 'ASC')
      .addOrderBy('a.id', 'ASC')
      .offset(window.offset)
      .limit(window.limit + 1);
    if (filter.revoked === true) q.andWhere('a.revoked_at IS NOT NULL');
    if (filter.revoked === false) q.andWhere('a.revoked_at IS NULL');
    // The same test as the response's status.connected: a flag alone outlives a relay instance that crashed.
    const live = `(a.connected AND a.revoked_at IS NULL
      AND COALESCE(a.last_seen_at > now() - make_interval(secs => :staleSeconds), false))`;
    const staleSeconds = AGENT_STALE_AFTER_MS / 1000;
    if (filter.connected === true) q.andWhere(live, { staleSeconds });
    if (filter.connected === false) q.andWhere(`NOT ${live}`, { staleSeconds });
    return q.getMany();
  }

  findOne(tenantId: string, id: string): Promise<AgentEntity | null> {
    if (!isUuid(id)) return Promise.resolve(null);
    return this.repo.findOneBy({ tenantId, id });
  }

  /** The agent a token belongs to, unless revoked. */
  async findActiveByTokenHash(tokenHash: string): Promise<AgentRef | null> {
    const agent = await this.repo.findOne({
      select: { id: true, tenantId: true },
      where: { tokenHash, revokedAt: IsNull() },
    });
    return agent ? { tenantId: agent.tenantId, agentId: agent.id } : null;
  }

  /** Idempotent: revoking twice keeps the first time. */
  async revoke(tenantId: string, id: string): Promise<AgentEntity | null> {
    if (!isUuid(id)) return null;
    await this.db.query(
      `UPDATE agents SET revoked_at = COALESCE(revoked_at, now()), connected = false WHERE tenant_id = $1 AND id = $2`,
      [tenantId, id],
    );
    return this.findOne(tenantId, id);
  }

  /**
   * Swaps the token hash in one statement, so the old token fails from this commit on. Null when the agent does
   * not exist; 'revoked' when it was revoked (a revoked agent never gets a token again).
   */
  async rotateToken(
    tenantId: string,
    id: string,
    tokenHash: string,
    tokenPrefix: string,
  ): Promise<AgentEntity | 'revoked' | null> {
    const agent = await this.findOne(tenantId, id);
    if (!agent) return null;
    const result = await this.repo.update(
      { tenantId, id, revokedAt: IsNull() },
      { tokenHash, tokenPrefix, connected: false },
    );
    if ((result.affected ?? 0) === 0) return 'revoked';
    return this.findOne(tenantId, id);
  }

  /** Which of these sockets' tokens no longer open a connection: the agent was revoked or its token rotated. */
  async findStaleTokens(sessions: ReadonlyArray<{ agentId: string; tokenHash: string }>): Promise<string[]> {
    if (sessions.length === 0) return [];
    const rows: Array<{ id: string }> = await this.db.query(
      `SELECT a.id FROM agents a
         JOIN unnest($1::uuid[], $2::text[]) AS s(agent_id, token_hash) ON s.agent_id = a.id
        WHERE a.revoked_at IS NOT NULL OR a.token_hash <> s.token_hash`,
      [sessions.map((s) => s.agentId), sessions.map((s) => s.tokenHash)],
    );
    return rows.map((r) => r.id);
  }

  async setConnected(agentId: string, connected: boolean): Promise<void> {
    await this.db.query(`UPDATE agents SET connected = $2, last_seen_at = now() WHERE id = $1`, [
      agentId,
      connected,
    ]);
  }

  async touch(agentId: string): Promise<void> {
    await this.db.query(`UPDATE agents SET last_seen_at = now() WHERE id = $1`, [agentId]);
  }

  async recordStatus(agentId: string, status: AgentStatusV1): Promise<void> {
    await this.db.query(
      `UPDATE agents SET connected = true, last_seen_at = now(), agent_version = $2, odoo_version = $3, outbox_depth = $4
        WHERE id = $1`,
      [agentId, status.agentVersion, status.odooVersion, status.outboxDepth],
    );
  }
}
