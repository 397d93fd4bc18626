import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AgentSessions } from '../gateway/agent-sessions.service';
import { SnapshotsRepository, type SnapshotRow } from './snapshots.repository';

/** Every instance looks this often for open snapshots of the agents connected to it (a run may be elsewhere). */
export const DISPATCH_INTERVAL_MS = 1_000;

/**
 * Sends `snapshot` commands to the agents connected to THIS instance. The run that wants a snapshot may be on
 * another instance: it only writes the request to PostgreSQL, and whichever instance holds the agent's socket
 * sends the command. A command goes out once per attempt and connection: when the agent reconnects (to any
 * instance), a new attempt is claimed and sent with `resumeAfterProductId` = what the relay already stored.
 */
@Injectable()
export class SnapshotDispatcher implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(SnapshotDispatcher.name);
  /** agentId -> connection number on this instance (a reconnect is a new one). */
  private readonly connections = new Map<string, number>();
  /** snapshotId -> the attempt sent and the connection it went over. */
  private readonly sent = new Map<string, { attempt: number; connection: number }>();
  private chain: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private failures = 0;

  constructor(
    private readonly sessions: AgentSessions,
    private readonly snapshots: SnapshotsRepository,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(
      () => void this.dispatch(this.sessions.connectedAgentIds()),
      DISPATCH_INTERVAL_MS,
    );
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /** The gateway saw an agent connect: an interrupted snapshot of it resumes now, not at the next tick. */
  onAgentConnected(agentId: string): void {
    this.connections.set(agentId, (this.connections.get(agentId) ?? 0) + 1);
    void this.dispatch([agentId]);
  }

  /** Sends what is due for these agents (those connected here); runs one at a time, so attempts never race here. */
  dispatch(agentIds: readonly string[]): Promise<void> {
    const local = agentIds.filter((id) => this.sessions.isConnected(id));
    if (local.length === 0) return this.chain;
    const run = this.chain.then(async () => {
      try {
        for (const row of await this.snapshots.openOf(local)) await this.maybeSend(row);
        this.failures = 0;
      } catch (err) {
        if (this.failures++ === 0)
          this.logger.warn(`snapshot dispatch failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    });
    this.chain = run;
    return run;
  }

  /** Sends the next attempt of this snapshot now, even over the same connection (after a restart, a gap). */
  resend(snapshotId: string): Promise<void> {
    const run = this.chain.then(async () => {
      const row = await this.snapshots.findOne(snapshotId);
      if (row && this.sessions.isConnected(row.agentId)) await this.send(row);
    });
    this.chain = run.catch((err: unknown) =>
      this.logger.warn(
        `snapshot ${snapshotId}: resend failed: ${err instanceof Error ? err.message : String(err)}`,
      ),
    );
    return this.chain;
  }

  private async maybeSend(row: SnapshotRow): Promise<void> {
    const connection = this.connections.get(row.agentId) ?? 0;
    const sent = this.sent.get(row.id);
    if (sent && sent.attempt === row.attempt && sent.connection === connection) return; // the agent has it
    await this.send(row);
  }

  private async send(row: SnapshotRow): Promise<void> {
    const attempt = await this.snapshots.claimAttempt(row.id, row.attempt);
    if (attempt === null) return; // another instance (or a newer look) took it
    const connection = this.connections.get(row.agentId) ?? 0;
    const delivered = this.sessions.sendCommand(row.agentId, {
      commandId: randomUUID(),
      name: 'snapshot',
      snapshotId: row.id,
      attempt,
      resumeAfterProductId: row.lastProductId,
      pageSize: row.pageSize,
    });
    this.sent.set(row.id, { attempt, connection });
    if (this.sent.size > 10_000) this.sent.delete(this.sent.keys().next().value ?? ''); // bounded memory
    if (delivered)
      this.logger.log(
        row.lastProductId > 0
          ? `snapshot ${row.id}: asked agent ${row.agentId} for attempt ${attempt}, resuming after product ${row.lastProductId}`
          : `snapshot ${row.id}: asked agent ${row.agentId} for attempt ${attempt}`,
      );
  }
}
