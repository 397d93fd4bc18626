import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsOptional, IsString, Length } from 'class-validator';
import { OffsetPageQueryDto } from '../../common/paging/offset-page';
import { QueryBoolean } from '../../common/paging/query-boolean';
import { AGENT_STALE_AFTER_MS } from '../agent-ref';
import type { AgentEntity } from '../entities/agent.entity';

export class CreateAgentDto {
  @IsString() @Length(1, 200) name!: string;
}

/** `?limit&offset`, filters `revoked=true|false` and `connected=true|false` (connected as `status.connected`). */
export class ListAgentsQueryDto extends OffsetPageQueryDto {
  @ApiPropertyOptional() @IsOptional() @QueryBoolean() @IsBoolean() revoked?: boolean;
  @ApiPropertyOptional() @IsOptional() @QueryBoolean() @IsBoolean() connected?: boolean;
}

export interface AgentResponseDto {
  id: string;
  tenantId: string;
  name: string;
  tokenPrefix: string; // tells tokens apart; the token itself is shown once, at creation
  revokedAt: string | null;
  status: {
    connected: boolean;
    lastSeenAt: string | null;
    outboxDepth: number;
    agentVersion: string | null;
    odooVersion: string | null;
  };
  createdAt: string;
}

export interface CreatedAgentResponseDto extends AgentResponseDto {
  token: string;
}

export interface AgentPageDto {
  items: AgentResponseDto[];
  nextOffset: number | null;
}

/** `connected` also needs a recent sign of life: a relay instance that crashed never cleared its flag. */
export function toAgentResponse(a: AgentEntity, now = Date.now()): AgentResponseDto {
  const fresh = a.lastSeenAt !== null && now - a.lastSeenAt.getTime() < AGENT_STALE_AFTER_MS;
  return {
    id: a.id,
    tenantId: a.tenantId,
    name: a.name,
    tokenPrefix: a.tokenPrefix,
    revokedAt: a.revokedAt?.toISOString() ?? null,
    status: {
      connected: a.connected && fresh && a.revokedAt === null,
      lastSeenAt: a.lastSeenAt?.toISOString() ?? null,
      outboxDepth: a.outboxDepth,
      agentVersion: a.agentVersion,
      odooVersion: a.odooVersion,
    },
    createdAt: a.createdAt.toISOString(),
  };
}
