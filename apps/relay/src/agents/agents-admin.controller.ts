import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { Tenant } from '../common/auth/tenant.decorator';
import { AgentsService } from './agents.service';
import {
  CreateAgentDto,
  toAgentResponse,
  type AgentResponseDto,
  type CreatedAgentResponseDto,
} from './dto/agent.dto';

@Controller('api/v1/tenants/:tenantId/agents')
export class AgentsAdminController {
  constructor(private readonly agents: AgentsService) {}

  @Post()
  async create(@Tenant() tenantId: string, @Body() body: CreateAgentDto): Promise<CreatedAgentResponseDto> {
    const { agent, token } = await this.agents.create(tenantId, body.name);
    return { ...toAgentResponse(agent), token };
  }

  @Get()
  async list(@Tenant() tenantId: string): Promise<AgentResponseDto[]> {
    return (await this.agents.list(tenantId)).map((a) => toAgentResponse(a));
  }

  @Get(':agentId')
  async get(@Tenant() tenantId: string, @Param('agentId') agentId: string): Promise<AgentResponseDto> {
    return toAgentResponse(await this.agents.get(tenantId, agentId));
  }

  @Post(':agentId/revoke')
  @HttpCode(200)
  async revoke(@Tenant() tenantId: string, @Param('agentId') agentId: string): Promise<AgentResponseDto> {
    return toAgentResponse(await this.agents.revoke(tenantId, agentId));
  }
}
