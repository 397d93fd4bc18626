import { Module } from '@nestjs/common';
import { AgentSessionsModule } from '../gateway/agent-sessions.module';
import { AgentsAdminController } from './agents-admin.controller';
import { AgentsRepository } from './agents.repository';
import { AgentsService } from './agents.service';

@Module({
  imports: [AgentSessionsModule],
  controllers: [AgentsAdminController],
  providers: [AgentsService, AgentsRepository],
  exports: [AgentsService],
})
export class AgentsModule {}
