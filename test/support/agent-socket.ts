import { WIRE_PROTOCOL } from '@stockbridge/shared';
import { WebSocket } from 'ws';

/** A parsed message the relay sent (ack, reject, command), kept loose so tests can assert on anything. */
export interface RelayMessage {
  event: string;
  data: Record<string, unknown>;
}

export interface CloseInfo {
  code: number;
  reason: string;
}

/** Raised when the relay refuses the WebSocket upgrade; `status` is its HTTP status (401 for a bad token). */
export class UpgradeRefused extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`WebSocket upgrade refused with HTTP ${status}: ${body}`);
    this.name = 'UpgradeRefused';
  }
}

/** A test agent on one socket: send a frame and await the relay's next message. */
export class AgentSocketClient {
  private readonly inbox: RelayMessage[] = [];
  private readonly waiters: Array<(m: RelayMessage) => void> = [];
  readonly closed: Promise<CloseInfo>;

  constructor(readonly ws: WebSocket) {
    ws.on('message', (raw: Buffer) => {
      const message = JSON.parse(raw.toString('utf8')) as RelayMessage;
      const waiter = this.waiters.shift();
      if (waiter) waiter(message);
      else this.inbox.push(message);
    });
    ws.on('error', () => undefined); // a close code is what tests assert on
    this.closed = new Promise((resolve) =>
      ws.on('close', (code: number, reason: Buffer) => resolve({ code, reason: reason.toString('utf8') })),
    );
  }

  /** Sends `{event, data}` and resolves with the relay's next message. */
  send(event: string, data: unknown, timeoutMs = 10_000): Promise<RelayMessage> {
    return this.sendRaw(JSON.stringify({ event, data }), timeoutMs);
  }

  /** Sends any text (or bytes) as one frame and resolves with the relay's next message. */
  sendRaw(payload: string | Buffer, timeoutMs = 10_000): Promise<RelayMessage> {
    const reply = this.nextMessage(timeoutMs);
    this.ws.send(payload);
    return reply;
  }

  /** Sends without waiting for a reply (e.g. `hello`, which the relay does not answer when valid). */
  post(event: string, data: unknown): void {
    this.ws.send(JSON.stringify({ event, data }));
  }

  nextMessage(timeoutMs = 10_000): Promise<RelayMessage> {
    const queued = this.inbox.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(new Error(`no message from the relay within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter = (m: RelayMessage): void => {
        clearTimeout(timer);
        resolve(m);
      };
      this.waiters.push(waiter);
      void this.closed.then((c) => {
        const i = this.waiters.indexOf(waiter);
        if (i < 0) return;
        this.waiters.splice(i, 1);
        clearTimeout(timer);
        reject(new Error(`socket closed (${c.code} ${c.reason}) before the relay answered`));
      });
    });
  }

  async close(): Promise<CloseInfo> {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING)
      this.ws.close(1000);
    return this.closed;
  }
}

/**
 * Connects like an agent (bearer token, wire subprotocol). Resolves once open; rejects with UpgradeRefused
 * carrying the HTTP status when the relay refuses the upgrade. `token: null` sends no Authorization header.
 */
export function connectAgent(
  url: string,
  token: string | null,
  options: { protocols?: string[] } = {},
): Promise<AgentSocketClient> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, options.protocols ?? [WIRE_PROTOCOL], {
      headers: token === null ? {} : { Authorization: `Bearer ${token}` },
      perMessageDeflate: false,
    });
    const client = new AgentSocketClient(ws);
    let refused = false;
    ws.once('open', () => resolve(client));
    ws.once('unexpected-response', (req, res) => {
      refused = true;
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        reject(new UpgradeRefused(res.statusCode ?? 0, body));
        req.destroy();
      });
    });
    ws.once('error', (err) => {
      if (!refused) reject(err);
    });
  });
}

/** The HTTP status of an upgrade attempt: 101 when accepted (the socket is closed again at once). */
export async function upgradeStatus(url: string, token: string | null): Promise<number> {
  try {
    const client = await connectAgent(url, token);
    await client.close();
    return 101;
  } catch (err) {
    if (err instanceof UpgradeRefused) return err.status;
    throw err;
  }
}
