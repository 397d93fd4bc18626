import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Tenant } from '../common/auth/tenant.decorator';
import { AgentsService } from './agents.service';
import {
  CreateAgentDto,
  ListAgentsQueryDto,
  toAgentResponse,
  type AgentPageDto,
  type AgentResponseDto,
  type CreatedAgentResponseDto,
} from './dto/agent.dto';

@ApiTags('agents')
@Controller('api/v1/tenants/:tenantId/agents')
export class AgentsAdminController {
  constructor(private readonly agents: AgentsService) {}

  @Post()
  async create(@Tenant() tenantId: string, @Body() body: CreateAgentDto): Promise<CreatedAgentResponseDto> {
    const { agent, token } = await this.agents.create(tenantId, body.name);
    return { ...toAgentResponse(agent), token };
  }

  @Get()
  async list(@Tenant() tenantId: string, @Query() q: ListAgentsQueryDto): Promise<AgentPageDto> {
    const { items, nextOffset } = await this.agents.page(tenantId, q);
    return { items: items.map((a) => toAgentResponse(a)), nextOffset };
  }

  @Get(':agentId')
  async get(@Tenant() tenantId: string, @Param('agentId') agentId: string): Promise<AgentResponseDto> {
    return toAgentResponse(await this.agents.get(tenantId, agentId));
  }

  /** New token shown once; the old token stops at once and its open socket is closed with 4401. */
  @Post(':agentId/rotate-token')
  @HttpCode(200)
  async rotateToken(
    @Tenant() tenantId: string,
    @Param('agentId') agentId: string,
  ): Promise<CreatedAgentResponseDto> {
    const { agent, token } = await this.agents.rotateToken(tenantId, agentId);
    return { ...toAgentResponse(agent), token };
  }

  @Post(':agentId/revoke')
  @HttpCode(200)
  async revoke(@Tenant() tenantId: string, @Param('agentId') agentId: string): Promise<AgentResponseDto> {
    return toAgentResponse(await this.agents.revoke(tenantId, agentId));
  }
}
