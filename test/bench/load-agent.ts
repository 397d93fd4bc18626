import { parseRelayReply, WIRE_PROTOCOL, type LevelEventV1 } from '@stockbridge/shared';
import { WebSocket } from 'ws';

/** A frame ready to send: serialised before the clock starts, so the load generator costs little while timed. */
export interface PreparedFrame {
  frameId: string;
  events: number;
  text: string;
}

export function prepareFrame(frameId: string, events: LevelEventV1[]): PreparedFrame {
  return {
    frameId,
    events: events.length,
    text: JSON.stringify({ event: 'levels', data: { frameId, events } }),
  };
}

export interface StreamResult {
  acked: number; // frames
  ackedEvents: number;
  rejected: Array<{ frameId?: string; reason: string }>;
  ackLatenciesMs: number[]; // send to ack, per frame
}

/**
 * An agent's uplink reduced to what a load test needs: one WebSocket with the agent token and the wire protocol,
 * up to `window` frames in flight, acks matched by frameId (the relay may answer out of order).
 */
export class LoadAgent {
  private readonly pending = new Map<string, { sentAt: number; events: number }>();
  private onReply: (() => void) | null = null;
  private closedReason: string | null = null;
  private readonly result: StreamResult = { acked: 0, ackedEvents: 0, rejected: [], ackLatenciesMs: [] };

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (raw: Buffer) => this.receive(raw));
    ws.on('close', (code: number, reason: Buffer) => {
      this.closedReason = `socket closed (${code} ${reason.toString('utf8')})`;
      this.onReply?.();
    });
    ws.on('error', () => undefined); // the close event carries what matters
  }

  static connect(url: string, token: string): Promise<LoadAgent> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, [WIRE_PROTOCOL], {
        headers: { Authorization: `Bearer ${token}` },
        perMessageDeflate: false,
      });
      ws.once('open', () => resolve(new LoadAgent(ws)));
      ws.once('unexpected-response', (_req, res) =>
        reject(new Error(`relay refused the agent upgrade with HTTP ${res.statusCode ?? 0}`)),
      );
      ws.once('error', reject);
    });
  }

  private receive(raw: Buffer): void {
    let json: unknown;
    try {
      json = JSON.parse(raw.toString('utf8'));
    } catch {
      this.result.rejected.push({ reason: 'relay sent a message that is not JSON' });
      return;
    }
    const reply = parseRelayReply(json);
    if (!reply.ok) {
      this.result.rejected.push({ reason: `unreadable relay reply: ${reply.reason}` });
      return;
    }
    const now = Date.now();
    const { value } = reply;
    if (value.event === 'command') return;
    const frameId = value.data.frameId;
    const sent = frameId === undefined ? undefined : this.pending.get(frameId);
    if (frameId !== undefined) this.pending.delete(frameId);
    if (value.event === 'ack' && sent) {
      this.result.acked++;
      this.result.ackedEvents += sent.events;
      this.result.ackLatenciesMs.push(now - sent.sentAt);
    } else if (value.event === 'reject') {
      this.result.rejected.push({ ...(frameId === undefined ? {} : { frameId }), reason: value.data.reason });
    }
    this.onReply?.();
  }

  /**
   * Sends every frame keeping `window` in flight; resolves when all are answered or the socket closes. When
   * `signal` aborts, nothing more is sent and the frames in flight get up to `graceMs` to be answered.
   */
  async stream(
    frames: readonly PreparedFrame[],
    window: number,
    signal: AbortSignal,
    graceMs = 10_000,
  ): Promise<StreamResult> {
    let next = 0;
    let grace: NodeJS.Timeout | undefined;
    let onAbort = (): void => undefined;
    await new Promise<void>((resolve) => {
      const pump = (): void => {
        if (this.closedReason !== null) return resolve();
        if (signal.aborted) {
          if (this.pending.size === 0) return resolve();
          grace ??= setTimeout(resolve, graceMs);
          return;
        }
        while (next < frames.length && this.pending.size < window) {
          const f = frames[next++];
          if (!f) break;
          this.pending.set(f.frameId, { sentAt: Date.now(), events: f.events });
          this.ws.send(f.text);
        }
        if (next >= frames.length && this.pending.size === 0) resolve();
      };
      this.onReply = pump;
      onAbort = pump;
      signal.addEventListener('abort', onAbort, { once: true });
      pump();
    });
    clearTimeout(grace);
    this.onReply = null;
    signal.removeEventListener('abort', onAbort);
    if (this.pending.size > 0)
      this.result.rejected.push({
        reason: `${this.closedReason ?? 'stopped (time limit)'} with ${this.pending.size} frames unanswered`,
      });
    this.pending.clear();
    return this.result;
  }

  /** Resets the counters (after a warm-up). */
  reset(): void {
    this.result.acked = 0;
    this.result.ackedEvents = 0;
    this.result.rejected = [];
    this.result.ackLatenciesMs = [];
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.ws.readyState === WebSocket.CLOSED) return resolve();
      this.ws.once('close', () => resolve());
      this.ws.close(1000);
    });
  }
}
