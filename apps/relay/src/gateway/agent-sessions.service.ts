import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { CloseCode, type AgentCommandV1, type RelayReplyV1 } from '@stockbridge/shared';
import { WebSocket } from 'ws';
import { AGENT_PING_INTERVAL_MS, type AgentRef, type AuthenticatedAgent } from '../agents/agent-ref';

interface Session {
  agent: AgentRef;
  tokenHash: string; // of the token the socket was opened with
  alive: boolean; // a pong arrived since the last ping
  onPong: () => void;
}

/**
 * The open agent sockets of this relay instance: one per agent (a newer connection replaces an older one with
 * 4409), a heartbeat that terminates sockets which stop answering pings, and commands to agents.
 * In memory only; agent status for the API lives in PostgreSQL (written by the gateway).
 */
@Injectable()
export class AgentSessions implements OnModuleDestroy {
  private readonly logger = new Logger(AgentSessions.name);
  private readonly byAgent = new Map<string, WebSocket>();
  private readonly bySocket = new Map<WebSocket, Session>();
  private heartbeat: NodeJS.Timeout | undefined;

  /** Registers an authenticated socket; closes the agent's previous socket, if any, with 4409. */
  attach(socket: WebSocket, authenticated: AuthenticatedAgent, onPong: () => void = () => undefined): void {
    const { tokenHash, ...agent } = authenticated;
    const previous = this.byAgent.get(agent.agentId);
    if (previous && previous !== socket) {
      this.bySocket.delete(previous);
      previous.close(CloseCode.Replaced, 'replaced by a newer connection of this agent');
      this.logger.log(`agent ${agent.agentId}: a new connection replaced the previous one`);
    }
    this.byAgent.set(agent.agentId, socket);
    const session: Session = { agent, tokenHash, alive: true, onPong };
    this.bySocket.set(socket, session);
    socket.on('pong', () => {
      session.alive = true;
      session.onPong();
    });
    this.startHeartbeat();
  }

  /** Forgets a closed socket. Returns its agent only if it was that agent's current session. */
  detach(socket: WebSocket): AgentRef | undefined {
    const session = this.bySocket.get(socket);
    this.bySocket.delete(socket);
    if (!session || this.byAgent.get(session.agent.agentId) !== socket) return undefined;
    this.byAgent.delete(session.agent.agentId);
    return session.agent;
  }

  agentOf(socket: WebSocket): AgentRef | undefined {
    return this.bySocket.get(socket)?.agent;
  }

  connectedAgentIds(): string[] {
    return [...this.byAgent.keys()];
  }

  /** Each current socket's agent and the hash of the token it was opened with. */
  connectedTokens(): Array<{ agentId: string; tokenHash: string }> {
    return [...this.byAgent.values()].flatMap((socket) => {
      const session = this.bySocket.get(socket);
      return session ? [{ agentId: session.agent.agentId, tokenHash: session.tokenHash }] : [];
    });
  }

  isConnected(agentId: string): boolean {
    return this.byAgent.get(agentId)?.readyState === WebSocket.OPEN;
  }

  /** Sends a command (e.g. poll now) to an agent connected to this instance; false when it is not. */
  sendCommand(agentId: string, command: AgentCommandV1): boolean {
    const socket = this.byAgent.get(agentId);
    if (socket?.readyState !== WebSocket.OPEN) return false;
    const frame: RelayReplyV1 = { event: 'command', data: command };
    socket.send(JSON.stringify(frame));
    return true;
  }

  /** Closes an agent's socket with a code (4401 on revoke). The close itself detaches it via the gateway. */
  disconnect(agentId: string, code: number, reason: string): boolean {
    const socket = this.byAgent.get(agentId);
    if (!socket) return false;
    socket.close(code, reason);
    return true;
  }

  /** Closes every socket (e.g. 4503 on shutdown) and returns the agents that were connected, now detached. */
  closeAll(code: number, reason: string): AgentRef[] {
    const agents: AgentRef[] = [];
    for (const socket of [...this.byAgent.values()]) {
      const agent = this.detach(socket);
      if (agent) agents.push(agent);
      socket.close(code, reason);
    }
    return agents;
  }

  onModuleDestroy(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }

  /** ws's broken-connection recipe: ping everyone; a socket that did not pong since the last round is dead. */
  private startHeartbeat(): void {
    if (this.heartbeat) return;
    this.heartbeat = setInterval(() => this.beat(), AGENT_PING_INTERVAL_MS);
    this.heartbeat.unref();
  }

  private beat(): void {
    for (const [socket, session] of this.bySocket) {
      if (!session.alive) {
        this.logger.warn(
          `agent ${session.agent.agentId}: no pong within ${AGENT_PING_INTERVAL_MS} ms, terminating`,
        );
        socket.terminate();
        continue;
      }
      session.alive = false;
      socket.ping();
    }
  }
}
