import { Logger, type BeforeApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import {
  ConnectedSocket,
  MessageBody,
  SubscribeMessage,
  WebSocketGateway,
  type OnGatewayConnection,
  type OnGatewayDisconnect,
} from '@nestjs/websockets';
import {
  CloseCode,
  correlationFields,
  parseAgentStatus,
  parseLevelsFrame,
  type RelayMessageV1,
  type RelayReplyV1,
} from '@stockbridge/shared';
import type { IncomingMessage } from 'node:http';
import type { Logger as PinoLogger } from 'pino';
import type { WebSocket } from 'ws';
import { AGENT_PING_INTERVAL_MS } from '../agents/agent-ref';
import { AgentsService } from '../agents/agents.service';
import { PinoLoggerService } from '../common/logging/pino-logger.service';
import { isPermanentDataError } from '../database/pg-errors';
import { InventoryService } from '../inventory/inventory.service';
import { SnapshotDispatcher } from '../reconcile/snapshot-dispatcher.service';
import { SnapshotIngestService, type SnapshotFrameEvent } from '../reconcile/snapshot-ingest.service';
import { INVALID_FRAME } from './agent-message.parser';
import { AgentSessions } from './agent-sessions.service';
import { AgentUpgradeAuth } from './agent-upgrade-auth.service';
import { AGENT_WS_PATH } from './agent-ws.adapter';
import {
  countConnectedAgents,
  forgetAgentStatus,
  recordAgentStatus,
  recordCommittedFrame,
  recordFrameReply,
} from './gateway.metrics';

const reject = (reason: string, retry: boolean, frameId?: string): RelayReplyV1 => ({
  event: 'reject',
  data: { ...(frameId === undefined ? {} : { frameId }), reason, retry },
});

/**
 * Agent ingest: validate, commit, then ack. Handlers never throw: every frame gets an ack or a reject with a
 * reason, or the socket closes with a code. The token was checked at upgrade (HTTP 401, no socket).
 */
@WebSocketGateway({ path: AGENT_WS_PATH })
export class AgentGateway
  implements OnGatewayConnection, OnGatewayDisconnect, OnModuleInit, BeforeApplicationShutdown
{
  private readonly logger = new Logger(AgentGateway.name);
  /** Status writes per agent run in order, so a quick reconnect can never end as "disconnected". */
  private readonly statusWrites = new Map<string, Promise<void>>();
  private revocationSweep: NodeJS.Timeout | undefined;
  private readonly log: PinoLogger;
  private readonly stopCounting: () => void;

  constructor(
    private readonly sessions: AgentSessions,
    private readonly upgradeAuth: AgentUpgradeAuth,
    private readonly agents: AgentsService,
    private readonly inventory: InventoryService,
    logger: PinoLoggerService,
    private readonly snapshots: SnapshotIngestService,
    private readonly snapshotDispatcher: SnapshotDispatcher,
  ) {
    this.log = logger.pino.child({ component: 'gateway' });
    this.stopCounting = countConnectedAgents(() => this.sessions.connectedAgentIds().length);
  }

  /** Revocations made on other relay instances reach this one's sockets within one ping interval. */
  onModuleInit(): void {
    this.revocationSweep = setInterval(() => {
      this.agents.closeRevokedSessions().catch((err: unknown) => {
        this.logger.warn(`revocation sweep failed: ${err instanceof Error ? err.message : String(err)}`);
      });
    }, AGENT_PING_INTERVAL_MS);
    this.revocationSweep.unref();
  }

  handleConnection(socket: WebSocket, req: IncomingMessage): void {
    const agent = this.upgradeAuth.agentOf(req);
    if (!agent) {
      socket.close(CloseCode.Unauthorized, 'not authenticated'); // unreachable while verifyClient is installed
      return;
    }
    this.sessions.attach(socket, agent, () =>
      this.writeStatus(agent.agentId, () => this.agents.touch(agent.agentId)),
    );
    this.writeStatus(agent.agentId, () => this.agents.markConnected(agent.agentId));
    this.snapshotDispatcher.onAgentConnected(agent.agentId); // a snapshot cut by the last disconnect resumes
  }

  handleDisconnect(socket: WebSocket): void {
    const agent = this.sessions.detach(socket);
    if (!agent) return;
    forgetAgentStatus(agent.agentId);
    this.writeStatus(agent.agentId, () => this.agents.markDisconnected(agent.agentId));
  }

  @SubscribeMessage('levels')
  async onLevels(@ConnectedSocket() socket: WebSocket, @MessageBody() raw: unknown): Promise<RelayReplyV1> {
    const reply = await this.ingest(socket, raw);
    recordFrameReply(reply.event);
    return reply;
  }

  private async ingest(socket: WebSocket, raw: unknown): Promise<RelayReplyV1> {
    const parsed = parseLevelsFrame(raw);
    if (!parsed.ok) return reject(parsed.reason, false, parsed.frameId);
    const { frameId } = parsed.value;
    const agent = this.sessions.agentOf(socket);
    if (!agent) return reject('agent: this connection was replaced or closed', true, frameId);
    try {
      const started = Date.now();
      const applied = await this.inventory.applyFrame(agent, parsed.value); // commit first,
      recordCommittedFrame(agent.agentId, parsed.value);
      // One line per frame (a batch); its correlation id ties it to the agent's poll and the channel calls.
      this.log.info(
        {
          tenantId: agent.tenantId,
          agentId: agent.agentId,
          frameId,
          events: parsed.value.events.length,
          levelsChanged: applied.levelsChanged,
          channelsNudged: applied.dirtyChannelIds.length,
          ms: Date.now() - started,
          ...correlationFields(parsed.value.events),
        },
        `committed frame ${frameId}: ${applied.levelsChanged} of ${parsed.value.events.length} levels changed`,
      );
      return { event: 'ack', data: { frameId } }; // then ack: the agent may now drop its copy
    } catch (err) {
      // Bad data fails the same way on every retry: say so instead of letting the agent loop.
      if (isPermanentDataError(err)) {
        const detail = err instanceof Error ? err.message : String(err);
        this.logger.warn(`frame ${frameId} of agent ${agent.agentId} refused by the database: ${detail}`);
        return reject(`events: refused by the database (${detail})`, false, frameId);
      }
      this.logger.error(
        `frame ${frameId} of agent ${agent.agentId} not stored`,
        err instanceof Error ? err.stack : err,
      );
      return reject('relay: not stored, retry later', true, frameId);
    }
  }

  // Reconciliation snapshot frames: stored, then acked per frame (see reconcile/snapshot-ingest.service.ts).
  @SubscribeMessage('snapshot-begin')
  onSnapshotBegin(
    @ConnectedSocket() socket: WebSocket,
    @MessageBody() raw: unknown,
  ): Promise<RelayMessageV1> {
    return this.onSnapshot(socket, 'snapshot-begin', raw);
  }

  @SubscribeMessage('snapshot-chunk')
  onSnapshotChunk(
    @ConnectedSocket() socket: WebSocket,
    @MessageBody() raw: unknown,
  ): Promise<RelayMessageV1> {
    return this.onSnapshot(socket, 'snapshot-chunk', raw);
  }

  @SubscribeMessage('snapshot-end')
  onSnapshotEnd(@ConnectedSocket() socket: WebSocket, @MessageBody() raw: unknown): Promise<RelayMessageV1> {
    return this.onSnapshot(socket, 'snapshot-end', raw);
  }

  @SubscribeMessage('snapshot-abort')
  onSnapshotAbort(
    @ConnectedSocket() socket: WebSocket,
    @MessageBody() raw: unknown,
  ): Promise<RelayMessageV1> {
    return this.onSnapshot(socket, 'snapshot-abort', raw);
  }

  private onSnapshot(socket: WebSocket, event: SnapshotFrameEvent, raw: unknown): Promise<RelayMessageV1> {
    const agent = this.sessions.agentOf(socket);
    if (!agent) return Promise.resolve(reject('agent: this connection was replaced or closed', true));
    return this.snapshots.handle(agent, event, raw);
  }

  /** Status on connect and periodically; no reply when valid (it carries no frame id to ack). */
  @SubscribeMessage('hello')
  async onHello(
    @ConnectedSocket() socket: WebSocket,
    @MessageBody() raw: unknown,
  ): Promise<RelayReplyV1 | undefined> {
    const parsed = parseAgentStatus(raw);
    if (!parsed.ok) return reject(parsed.reason, false);
    const agent = this.sessions.agentOf(socket);
    if (!agent) return undefined;
    recordAgentStatus(agent.agentId, parsed.value.outboxDepth);
    this.writeStatus(agent.agentId, () => this.agents.recordStatus(agent.agentId, parsed.value));
    return undefined;
  }

  /** Non-JSON and unknown events, mapped here by parseAgentMessage; data is the reason. */
  @SubscribeMessage(INVALID_FRAME)
  onInvalid(@MessageBody() reason: unknown): RelayReplyV1 {
    recordFrameReply('reject');
    return reject(typeof reason === 'string' ? reason : 'frame: invalid', false);
  }

  /** Tell agents to reconnect elsewhere and record them disconnected while the database is still open. */
  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.revocationSweep);
    this.stopCounting();
    for (const agent of this.sessions.closeAll(CloseCode.ShuttingDown, 'relay shutting down')) {
      forgetAgentStatus(agent.agentId);
      this.writeStatus(agent.agentId, () => this.agents.markDisconnected(agent.agentId));
    }
    await Promise.all(this.statusWrites.values());
  }

  private writeStatus(agentId: string, write: () => Promise<void>): void {
    const previous = this.statusWrites.get(agentId) ?? Promise.resolve();
    const next = previous
      .then(write)
      .catch((err: unknown) =>
        this.logger.warn(
          `agent ${agentId}: status not saved: ${err instanceof Error ? err.message : String(err)}`,
        ),
      );
    this.statusWrites.set(agentId, next);
    void next.then(() => {
      if (this.statusWrites.get(agentId) === next) this.statusWrites.delete(agentId);
    });
  }
}
