import { Module } from '@nestjs/common';
import { AgentsModule } from '../agents/agents.module';
import { InventoryModule } from '../inventory/inventory.module';
import { ReconcileModule } from '../reconcile/reconcile.module';
import { AgentGateway } from './agent.gateway';
import { AgentSessionsModule } from './agent-sessions.module';
import { AgentUpgradeAuth } from './agent-upgrade-auth.service';

@Module({
  imports: [AgentsModule, AgentSessionsModule, InventoryModule, ReconcileModule],
  providers: [AgentGateway, AgentUpgradeAuth],
  exports: [AgentSessionsModule],
})
export class GatewayModule {}
