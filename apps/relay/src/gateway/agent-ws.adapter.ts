import { Logger, type INestApplication } from '@nestjs/common';
import { WsAdapter } from '@nestjs/platform-ws';
import { MAX_FRAME_BYTES, WIRE_PROTOCOL } from '@stockbridge/shared';
import type { IncomingMessage } from 'node:http';
import type { WebSocket, WebSocketServer } from 'ws';
import { parseAgentMessage } from './agent-message.parser';
import { AgentUpgradeAuth } from './agent-upgrade-auth.service';

export const AGENT_WS_PATH = '/agent';

/**
 * Nest's WsAdapter with what the agent endpoint needs at the ws layer: the token checked at upgrade
 * (verifyClient), our subprotocol, a frame cap (a bigger frame closes the socket with 1009 before any handler
 * runs, so nothing of it is stored), and a parser that turns unroutable frames into an `invalid` reject.
 */
export class AgentWsAdapter extends WsAdapter {
  private readonly log = new Logger('AgentWsAdapter');
  private readonly auth: AgentUpgradeAuth;

  constructor(app: INestApplication) {
    super(app, { messageParser: parseAgentMessage });
    this.auth = app.get(AgentUpgradeAuth);
  }

  override create(port: number, options?: Record<string, unknown> & { path?: string }): WebSocketServer {
    if (options?.path !== AGENT_WS_PATH) return super.create(port, options) as WebSocketServer;
    return super.create(port, {
      ...options,
      maxPayload: MAX_FRAME_BYTES,
      perMessageDeflate: false, // a compressed frame could inflate far past the cap's intent; CPU too
      verifyClient: (info: { req: IncomingMessage }, done: Parameters<AgentUpgradeAuth['verify']>[1]) =>
        this.auth.verify(info, done),
      handleProtocols: (protocols: Set<string>) => (protocols.has(WIRE_PROTOCOL) ? WIRE_PROTOCOL : false),
    }) as WebSocketServer;
  }

  /** Socket errors (oversized frame, bad UTF-8...) end that socket with a ws close code; log them as warnings. */
  override bindErrorHandler(server: WebSocketServer): WebSocketServer {
    server.on('connection', (ws: WebSocket) =>
      ws.on('error', (err) => this.log.warn(`agent socket error: ${err.message}`)),
    );
    server.on('error', (err) => this.log.error(`agent WebSocket server error: ${err.message}`));
    return server;
  }
}
