import { Module } from '@nestjs/common';
import { AgentSessions } from './agent-sessions.service';

/** Separate from the gateway so the agents feature (revoke) can close sockets without a module cycle. */
@Module({ providers: [AgentSessions], exports: [AgentSessions] })
export class AgentSessionsModule {}
