import { EventEmitter } from 'node:events';
import WebSocket, { type RawData } from 'ws';
import type { IncomingMessage } from 'node:http';
import {
  backoffDelay,
  CloseCode,
  MAX_FRAME_BYTES,
  parseRelayMessage,
  WIRE_PROTOCOL,
  type AgentFrameV1,
  type AgentStatusV1,
  type BackoffPolicy,
  type RelayReplyV1,
  type SnapshotReplyV1,
} from '@stockbridge/shared';
import { maskUrl } from '../config/agent-env';
import type { Logger } from '../logging/logger';

export interface UplinkTimings {
  /** Ping the relay this often; a peer that stops answering is found within ping + pong timeout. */
  pingIntervalMs: number;
  pongTimeoutMs: number;
  /** Send the status (`hello`) this often after the first one on open. */
  helloIntervalMs: number;
  /** Reconnect backoff (full jitter), reset once a connection has stayed open for `stableAfterMs`. */
  backoff: BackoffPolicy;
  stableAfterMs: number;
  /** Wait about this long before retrying after the relay refused the token (401 or close 4401). */
  unauthorizedRetryMs: number;
  handshakeTimeoutMs: number;
}

export const DEFAULT_UPLINK_TIMINGS: UplinkTimings = {
  pingIntervalMs: 15_000,
  pongTimeoutMs: 10_000,
  helloIntervalMs: 30_000,
  backoff: { baseMs: 500, maxMs: 30_000 },
  stableAfterMs: 30_000,
  unauthorizedRetryMs: 60_000,
  handshakeTimeoutMs: 10_000,
};

export interface UplinkOptions {
  url: string;
  token: string;
  logger: Logger;
  /** What `hello` reports; read at send time. */
  status: () => Promise<AgentStatusV1> | AgentStatusV1;
  timings?: Partial<UplinkTimings>;
}

interface UplinkEvents {
  open: [];
  close: [reason: string];
  reply: [reply: RelayReplyV1];
  /** The relay's answer to a snapshot frame (snapshot-ack, snapshot-stop). */
  snapshot: [reply: SnapshotReplyV1];
}

export const TOKEN_REFUSED = 'the relay refused AGENT_TOKEN (HTTP 401): check the token or create a new one';
const TOKEN_REVOKED =
  'the relay refused AGENT_TOKEN (close 4401, token revoked): check the token or create a new one';

/**
 * The agent's one outbound WebSocket to the relay. Keeps it open (jittered reconnect backoff, ping/pong
 * heartbeat), says `hello` with the agent's status, and emits each relay reply after parsing it.
 * Nothing here knows about the outbox: the pump follows `open`/`close`/`reply`.
 */
export class UplinkClient extends EventEmitter<UplinkEvents> {
  private ws: WebSocket | null = null;
  private openSocket: WebSocket | null = null;
  private attempt = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private stableTimer: NodeJS.Timeout | undefined;
  private pingTimer: NodeJS.Timeout | undefined;
  private pongTimer: NodeJS.Timeout | undefined;
  private helloTimer: NodeJS.Timeout | undefined;
  private stopped = true;
  private refusedStreak = false; // the token problem is logged once until a connection succeeds
  private lastProblem: string | null = 'uplink: not connected yet';
  private lastLogged: string | null = null;
  private readonly timings: UplinkTimings;
  private readonly log: Logger;
  private readonly where: string;

  constructor(private readonly options: UplinkOptions) {
    super();
    this.timings = { ...DEFAULT_UPLINK_TIMINGS, ...options.timings };
    this.log = options.logger.child({ component: 'uplink' });
    this.where = maskUrl(options.url);
  }

  get isOpen(): boolean {
    return this.openSocket !== null && this.openSocket.readyState === WebSocket.OPEN;
  }

  /** Why the uplink is not open (one sentence), or null when it is. */
  get problem(): string | null {
    return this.isOpen ? null : this.lastProblem;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.connect();
  }

  /** Sends one frame; false when the socket is not open (the caller keeps the frame). */
  send(frame: AgentFrameV1): boolean {
    const ws = this.openSocket;
    if (!ws || ws.readyState !== WebSocket.OPEN) return false;
    ws.send(JSON.stringify(frame));
    return true;
  }

  /** Sends the status now (it changed), besides the periodic hello; nothing when the socket is not open. */
  sayHello(): void {
    if (this.openSocket) void this.sendHello(this.openSocket);
  }

  /** Closes the socket with 1000 and stops reconnecting; resolves once it is closed. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    const ws = this.ws;
    if (!ws || ws.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => ws.terminate(), 2_000);
      ws.once('close', () => {
        clearTimeout(force);
        resolve();
      });
      if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
      else ws.close(1000, 'agent stopping');
    });
  }

  private connect(): void {
    let refusedStatus: number | null = null;
    const ws = new WebSocket(this.options.url, WIRE_PROTOCOL, {
      headers: { Authorization: `Bearer ${this.options.token}` },
      maxPayload: MAX_FRAME_BYTES,
      handshakeTimeout: this.timings.handshakeTimeoutMs,
      perMessageDeflate: false,
    });
    this.ws = ws;

    ws.on('unexpected-response', (_req, res: IncomingMessage) => {
      refusedStatus = res.statusCode ?? 0;
      res.resume();
      ws.terminate();
    });
    ws.on('error', (err: Error) => {
      if (refusedStatus === null) this.lastProblem = this.describeFailure(err);
    });
    ws.on('open', () => this.onOpen(ws));
    ws.on('message', (data: RawData, isBinary: boolean) => this.onMessage(data, isBinary));
    ws.on('pong', () => {
      clearTimeout(this.pongTimer);
      this.pongTimer = undefined;
    });
    ws.on('close', (code: number, reason: Buffer) =>
      this.onClose(ws, code, reason.toString('utf8'), refusedStatus),
    );
  }

  private onOpen(ws: WebSocket): void {
    if (ws.protocol !== WIRE_PROTOCOL) {
      this.lastProblem = `the relay at ${this.where} did not accept protocol ${WIRE_PROTOCOL}: update the agent or check RELAY_URL`;
      ws.close(1002, 'protocol');
      return;
    }
    this.openSocket = ws;
    this.lastProblem = null;
    this.lastLogged = null;
    if (this.refusedStreak) this.log.info('the relay accepted AGENT_TOKEN again');
    this.refusedStreak = false;
    this.log.info(`uplink open to ${this.where}`);
    this.stableTimer = setTimeout(() => {
      this.attempt = 0;
    }, this.timings.stableAfterMs);
    this.pingTimer = setInterval(() => {
      ws.ping();
      if (this.pongTimer !== undefined) return; // still waiting for an earlier pong: its deadline stands
      this.pongTimer = setTimeout(() => {
        this.lastProblem = `the relay at ${this.where} stopped answering pings (no pong within ${this.timings.pongTimeoutMs} ms)`;
        this.log.warn(`${this.lastProblem}: reconnecting`);
        ws.terminate();
      }, this.timings.pongTimeoutMs);
    }, this.timings.pingIntervalMs);
    void this.sendHello(ws);
    this.helloTimer = setInterval(() => void this.sendHello(ws), this.timings.helloIntervalMs);
    this.emit('open');
  }

  private async sendHello(ws: WebSocket): Promise<void> {
    try {
      const status = await this.options.status();
      if (ws === this.openSocket && ws.readyState === WebSocket.OPEN)
        ws.send(JSON.stringify({ event: 'hello', data: status } satisfies AgentFrameV1));
    } catch (err) {
      this.log.warn(`hello not sent: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    let raw: unknown;
    try {
      if (isBinary) throw new Error('binary message');
      raw = JSON.parse(rawText(data));
    } catch {
      this.log.warn('the relay sent a message that is not JSON text; ignored');
      return;
    }
    const parsed = parseRelayMessage(raw);
    if (!parsed.ok) {
      this.log.warn(`the relay sent a reply the agent does not understand (${parsed.reason}); ignored`);
      return;
    }
    try {
      const message = parsed.value;
      if (message.event === 'snapshot-ack' || message.event === 'snapshot-stop')
        this.emit('snapshot', message);
      else this.emit('reply', message);
    } catch (err) {
      // A listener bug must not take the socket down: the frame stays unacked and is sent again later.
      this.log.error({ err }, 'handling a relay reply failed');
    }
  }

  private onClose(ws: WebSocket, code: number, reason: string, refusedStatus: number | null): void {
    const wasOpen = this.openSocket === ws;
    for (const t of [this.stableTimer, this.pongTimer, this.reconnectTimer]) clearTimeout(t);
    this.pongTimer = undefined;
    if (wasOpen) {
      clearInterval(this.pingTimer);
      clearInterval(this.helloTimer);
      this.openSocket = null;
    }
    if (this.ws === ws) this.ws = null;
    if (this.stopped) {
      this.lastProblem = 'the agent closed the uplink (stopping)';
      if (wasOpen) this.emit('close', this.lastProblem);
      return;
    }

    let delay = backoffDelay(this.attempt++, this.timings.backoff);
    if (refusedStatus === 401 || code === CloseCode.Unauthorized) {
      const message = refusedStatus === 401 ? TOKEN_REFUSED : TOKEN_REVOKED;
      if (!this.refusedStreak) this.log.error(message);
      this.refusedStreak = true;
      this.lastProblem = message;
      // Long and jittered: a fleet of agents with a revoked token must not hammer the relay.
      delay = Math.round(this.timings.unauthorizedRetryMs * (0.5 + Math.random() / 2));
    } else if (refusedStatus !== null) {
      this.lastProblem = `the relay at ${this.where} answered HTTP ${refusedStatus} to the WebSocket upgrade: check RELAY_URL points at its /agent endpoint`;
      if (this.lastProblem !== this.lastLogged) this.log.warn(this.lastProblem);
    } else if (wasOpen) {
      this.lastProblem = `the uplink to ${this.where} closed (${code}${reason ? ` ${reason}` : ''})`;
      if (code === CloseCode.Replaced)
        this.log.warn(
          `${this.lastProblem}: another connection with this AGENT_TOKEN took over; is a second agent running?`,
        );
      else if (code === CloseCode.ShuttingDown) {
        this.log.info(`${this.lastProblem}: the relay instance is stopping; reconnecting`);
        delay = backoffDelay(0, this.timings.backoff); // another instance can take us at once
      } else this.log.warn(`${this.lastProblem}; reconnecting`);
    } else if (this.lastProblem !== this.lastLogged) {
      // Once per distinct problem: a relay that stays away would otherwise fill the log.
      this.log.warn(`uplink failed: ${this.lastProblem ?? `closed (${code})`}; retrying with backoff`);
    }
    this.lastLogged = this.lastProblem;
    if (wasOpen) this.emit('close', this.lastProblem ?? 'closed');
    this.reconnectTimer = setTimeout(() => this.connect(), delay);
  }

  private describeFailure(err: Error): string {
    const code = (err as { code?: unknown }).code;
    if (
      typeof code === 'string' &&
      /^(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|ECONNRESET|ETIMEDOUT)$/.test(code)
    )
      return `the relay at ${this.where} is not reachable (${code}): check RELAY_URL and that this machine may open outbound connections to it`;
    if (typeof code === 'string' && /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO/.test(code))
      return `the relay at ${this.where} presented a certificate this machine does not trust (${code}): check RELAY_URL or the system CA store`;
    if (/handshake has timed out/i.test(err.message))
      return `the relay at ${this.where} did not complete the WebSocket handshake within ${this.timings.handshakeTimeoutMs} ms`;
    return `the relay at ${this.where} failed: ${err.message}`;
  }
}

function rawText(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}
