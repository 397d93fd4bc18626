import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Tenant } from '../common/auth/tenant.decorator';
import {
  ListRunsQueryDto,
  toRunResponse,
  toSnapshotResponse,
  UpdateReconcileSettingsDto,
  type ReconcileSettingsDto,
  type RunDetailDto,
  type RunPageDto,
  type RunResponseDto,
} from './dto/reconciliation.dto';
import { ReconcileAdminService } from './reconcile-admin.service';

/** Reconciliation runs (start one, list, read one) and the tenant's reconciliation settings. */
@ApiTags('reconciliation')
@Controller('api/v1/tenants/:tenantId')
export class ReconcileAdminController {
  constructor(private readonly admin: ReconcileAdminService) {}

  /** 202: the run is recorded and goes on in the background; 409 while another run of the tenant is going. */
  @Post('reconciliation-runs')
  @HttpCode(202)
  async start(@Tenant() tenantId: string): Promise<RunResponseDto> {
    return toRunResponse(await this.admin.start(tenantId));
  }

  @Get('reconciliation-runs')
  async list(@Tenant() tenantId: string, @Query() q: ListRunsQueryDto): Promise<RunPageDto> {
    const { items, nextCursor } = await this.admin.page(tenantId, q);
    return { items: items.map(toRunResponse), nextCursor };
  }

  @Get('reconciliation-runs/:runId')
  async get(@Tenant() tenantId: string, @Param('runId') runId: string): Promise<RunDetailDto> {
    const { run, snapshots } = await this.admin.get(tenantId, runId);
    return { ...toRunResponse(run), snapshots: snapshots.map(toSnapshotResponse) };
  }

  @Get('reconciliation-settings')
  settings(@Tenant() tenantId: string): Promise<ReconcileSettingsDto> {
    return this.admin.settings(tenantId);
  }

  @Patch('reconciliation-settings')
  update(
    @Tenant() tenantId: string,
    @Body() body: UpdateReconcileSettingsDto,
  ): Promise<ReconcileSettingsDto> {
    return this.admin.updateSettings(tenantId, body);
  }
}
