import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  parseAgentStatus,
  parseLevelsFrame,
  WIRE_PROTOCOL,
  type AgentStatusV1,
  type LevelsFrameV1,
  type RelayReplyV1,
} from '@stockbridge/shared';

/** What the test relay answers to one frame: a reply, or silence (the frame then stays in flight). */
export type FramePolicy = (frame: LevelsFrameV1, delivery: number) => RelayReplyV1 | 'silent';

export const ackAll: FramePolicy = (frame) => ({ event: 'ack', data: { frameId: frame.frameId } });

/**
 * A small relay stand-in on 127.0.0.1 for agent tests: it speaks the real wire contract (bearer token checked at
 * upgrade with HTTP 401, subprotocol, `levels`/`hello` in, `ack`/`reject`/`command` out), answers frames as the
 * test says, and can drop connections or play dead. It is a test peer, not the relay.
 */
export class FakeRelay {
  readonly frames: LevelsFrameV1[] = []; // every frame received, duplicates included
  readonly hellos: AgentStatusV1[] = [];
  readonly malformed: string[] = [];
  refusedUpgrades = 0;
  acceptedUpgrades = 0;
  policy: FramePolicy = ackAll;
  /** While true the relay stops answering pings (a peer that vanished without closing TCP). */
  deaf = false;
  private readonly sockets = new Set<WebSocket>();
  private readonly deliveries = new Map<string, number>();

  private constructor(
    private readonly http: Server,
    private readonly wss: WebSocketServer,
    /** The token it accepts; a test may change it (a new token was created). */
    public token: string,
  ) {}

  static async start(token: string): Promise<FakeRelay> {
    const http = createServer((_req, res) => res.writeHead(404).end());
    const wss = new WebSocketServer({
      noServer: true,
      autoPong: false,
      handleProtocols: (protocols) => (protocols.has(WIRE_PROTOCOL) ? WIRE_PROTOCOL : false),
    });
    const relay = new FakeRelay(http, wss, token);
    http.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) =>
      relay.onUpgrade(req, socket, head),
    );
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    return relay;
  }

  get port(): number {
    return (this.http.address() as AddressInfo).port;
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}/agent`;
  }

  get openConnections(): number {
    return this.sockets.size;
  }

  /** Distinct frameIds received so far. */
  get frameIds(): Set<string> {
    return new Set(this.frames.map((f) => f.frameId));
  }

  /** Sends a raw message (object as JSON, or text as is) to every connected agent. */
  broadcast(message: unknown): void {
    const text = typeof message === 'string' ? message : JSON.stringify(message);
    for (const ws of this.sockets) ws.send(text);
  }

  /** Cuts every connection without a close handshake. */
  dropAll(): void {
    for (const ws of this.sockets) ws.terminate();
  }

  closeAll(code: number, reason = ''): void {
    for (const ws of this.sockets) ws.close(code, reason);
  }

  async close(): Promise<void> {
    this.dropAll();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    await new Promise<void>((resolve) => {
      this.http.close(() => resolve());
      this.http.closeAllConnections();
    });
  }

  private onUpgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    const refuse = (status: number, text: string): void => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    if ((req.url ?? '').split('?')[0] !== '/agent') return refuse(404, 'Not Found');
    if (req.headers.authorization !== `Bearer ${this.token}`) {
      this.refusedUpgrades++;
      return refuse(401, 'Unauthorized');
    }
    this.acceptedUpgrades++;
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws));
  }

  private onConnection(ws: WebSocket): void {
    this.sockets.add(ws);
    ws.on('close', () => this.sockets.delete(ws));
    ws.on('ping', (data: Buffer) => {
      if (!this.deaf) ws.pong(data);
    });
    ws.on('message', (data: Buffer) => {
      let msg: { event?: unknown; data?: unknown };
      try {
        msg = JSON.parse(data.toString('utf8')) as typeof msg;
      } catch {
        this.malformed.push(data.toString('utf8'));
        ws.send(
          JSON.stringify({
            event: 'reject',
            data: { reason: 'frame: expected JSON {event, data}', retry: false },
          }),
        );
        return;
      }
      if (msg.event === 'hello') {
        const status = parseAgentStatus(msg.data);
        if (status.ok) this.hellos.push(status.value);
        else this.malformed.push(`hello: ${status.reason}`);
        return;
      }
      if (msg.event !== 'levels') {
        this.malformed.push(`event: ${String(msg.event)}`);
        return;
      }
      const parsed = parseLevelsFrame(msg.data);
      if (!parsed.ok) {
        ws.send(
          JSON.stringify({
            event: 'reject',
            data: { frameId: parsed.frameId, reason: parsed.reason, retry: false },
          }),
        );
        return;
      }
      const frame = parsed.value;
      this.frames.push(frame);
      const delivery = (this.deliveries.get(frame.frameId) ?? 0) + 1;
      this.deliveries.set(frame.frameId, delivery);
      const reply = this.policy(frame, delivery);
      if (reply !== 'silent') ws.send(JSON.stringify(reply));
    });
  }
}
