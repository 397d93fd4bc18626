import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { Tenant } from '../common/auth/tenant.decorator';
import { DeadLettersService } from './dead-letters.service';
import {
  ListDeadLettersQueryDto,
  ReplayDeadLettersDto,
  toDeadLetterResponse,
  type DeadLetterPageDto,
  type DeadLetterResponseDto,
  type ReplayResultDto,
} from './dto/dead-letter.dto';

/** Pushes a channel refused for good: list them, replay them once the cause is fixed, or discard them. */
@Controller('api/v1/tenants/:tenantId/dead-letters')
export class DeadLettersAdminController {
  constructor(private readonly deadLetters: DeadLettersService) {}

  @Get()
  async list(@Tenant() tenantId: string, @Query() q: ListDeadLettersQueryDto): Promise<DeadLetterPageDto> {
    const { items, nextCursor } = await this.deadLetters.page(tenantId, q);
    return { items: items.map(toDeadLetterResponse), nextCursor };
  }

  @Post('replay')
  @HttpCode(200)
  replayMany(@Tenant() tenantId: string, @Body() body: ReplayDeadLettersDto): Promise<ReplayResultDto> {
    return this.deadLetters.replayMany(tenantId, body);
  }

  @Get(':id')
  async get(@Tenant() tenantId: string, @Param('id') id: string): Promise<DeadLetterResponseDto> {
    return toDeadLetterResponse(await this.deadLetters.get(tenantId, id));
  }

  @Post(':id/replay')
  @HttpCode(200)
  async replay(@Tenant() tenantId: string, @Param('id') id: string): Promise<DeadLetterResponseDto> {
    return toDeadLetterResponse(await this.deadLetters.replayOne(tenantId, id));
  }

  @Post(':id/discard')
  @HttpCode(200)
  async discard(@Tenant() tenantId: string, @Param('id') id: string): Promise<DeadLetterResponseDto> {
    return toDeadLetterResponse(await this.deadLetters.discard(tenantId, id));
  }
}
