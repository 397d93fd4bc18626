import { Injectable, Logger } from '@nestjs/common';
import { WIRE_PROTOCOL } from '@stockbridge/shared';
import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import type { AuthenticatedAgent } from '../agents/agent-ref';
import { AgentsService } from '../agents/agents.service';

export type VerifyDone = (
  ok: boolean,
  code?: number,
  message?: string,
  headers?: OutgoingHttpHeaders,
) => void;

function bearerToken(req: IncomingMessage): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  return match?.[1] ?? null;
}

/** Subprotocols the client offered; none offered is allowed (plain ws tools), a list without ours is not. */
function offersWireProtocol(req: IncomingMessage): boolean {
  const header = req.headers['sec-websocket-protocol'];
  if (header === undefined) return true;
  return header.split(',').some((p) => p.trim() === WIRE_PROTOCOL);
}

/**
 * Authenticates agents during the HTTP upgrade, before a socket exists: a missing, unknown or revoked token gets
 * HTTP 401 and never a WebSocket. The agent found is remembered per request for the gateway's handleConnection.
 */
@Injectable()
export class AgentUpgradeAuth {
  private readonly logger = new Logger(AgentUpgradeAuth.name);
  private readonly agents = new WeakMap<IncomingMessage, AuthenticatedAgent>();

  constructor(private readonly agentsService: AgentsService) {}

  /** ws's async `verifyClient(info, done)`. */
  verify(info: { req: IncomingMessage }, done: VerifyDone): void {
    const { req } = info;
    if (!offersWireProtocol(req)) {
      done(false, 400, `Unsupported WebSocket subprotocol: this relay speaks ${WIRE_PROTOCOL}`);
      return;
    }
    this.agentsService.authenticate(bearerToken(req)).then(
      (agent) => {
        if (!agent) {
          done(false, 401, 'Agent token missing, unknown or revoked', {
            'WWW-Authenticate': 'Bearer realm="agent"',
          });
          return;
        }
        this.agents.set(req, agent);
        done(true);
      },
      (err: unknown) => {
        this.logger.error(
          `agent upgrade: token check failed: ${err instanceof Error ? err.message : String(err)}`,
        );
        done(false, 503, 'Relay cannot check agent tokens right now; retry later');
      },
    );
  }

  agentOf(req: IncomingMessage): AuthenticatedAgent | undefined {
    return this.agents.get(req);
  }
}
