import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { connect, type ChannelModel } from 'amqplib';
import WebSocket from 'ws';
import { WIRE_PROTOCOL } from '@stockbridge/shared';
import { maskUrl, type AgentEnv } from '../config/agent-env';
import { OdooClient } from '../odoo/odoo.client';
import { describeAmqpError, vhostOf } from '../outbox/amqp-errors';
import { OUTBOX_DLQ, OUTBOX_QUEUE } from '../outbox/outbox.topology';

export interface DoctorOptions {
  /** Per check; the whole doctor takes at most about this long, as checks run side by side. */
  timeoutMs?: number;
}

/** The outcome of one check: `ok` and one sentence (what works, or what is wrong and what to do). */
export interface CheckResult {
  ok: boolean;
  line: string;
}

const pass = (line: string): CheckResult => ({ ok: true, line });
const fail = (line: string): CheckResult => ({ ok: false, line });

function withTimeout<T>(what: string, ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what} did not answer within ${Math.round(ms / 1000)} s`)),
      ms,
    );
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

const sentence = (err: unknown): string => (err instanceof Error ? err.message : String(err));
const capitalized = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);

export async function checkOdoo(env: AgentEnv, timeoutMs: number): Promise<CheckResult> {
  const where = maskUrl(env.ODOO_URL);
  try {
    // connect() itself checks version, login, the Stock module and read rights on stock moves.
    const client = await withTimeout(
      `Odoo at ${where}`,
      timeoutMs,
      OdooClient.connect({
        url: env.ODOO_URL,
        db: env.ODOO_DB,
        user: env.ODOO_USER,
        apiKey: env.ODOO_API_KEY,
        timeoutMs: Math.min(timeoutMs, 30_000),
        retry: { attempts: 1 },
      }),
    );
    return pass(
      `Odoo ${client.version.label} at ${where}: database "${env.ODOO_DB}", user ${env.ODOO_USER}, stock module installed`,
    );
  } catch (err) {
    return fail(capitalized(sentence(err)));
  }
}

export async function checkRabbit(env: AgentEnv, timeoutMs: number): Promise<CheckResult> {
  const where = `${maskUrl(env.AMQP_URL)} (vhost "${vhostOf(env.AMQP_URL)}")`;
  let model: ChannelModel | undefined;
  try {
    model = await withTimeout(
      `RabbitMQ at ${where}`,
      timeoutMs,
      connect(env.AMQP_URL, { timeout: timeoutMs }),
    );
    model.on('error', () => undefined);
    // checkQueue on a missing queue closes its channel: one channel per queue.
    const depth = async (queue: string): Promise<number | null> => {
      const ch = await model!.createChannel();
      ch.on('error', () => undefined);
      try {
        return (await ch.checkQueue(queue)).messageCount;
      } catch {
        return null;
      } finally {
        await ch.close().catch(() => undefined);
      }
    };
    const [outbox, dlq] = [await depth(OUTBOX_QUEUE), await depth(OUTBOX_DLQ)];
    if (dlq !== null && dlq > 0)
      return fail(
        `RabbitMQ at ${where} holds ${dlq} frame(s) in ${OUTBOX_DLQ} that the relay refused as malformed: ` +
          `the agent log names each reason; fix the cause, then move them back to ${OUTBOX_QUEUE} (shovel) or purge them`,
      );
    const waiting =
      outbox === null
        ? `${OUTBOX_QUEUE} not created yet (the agent creates it when it starts)`
        : `${OUTBOX_QUEUE} has ${outbox} frame(s) waiting, ${OUTBOX_DLQ} is empty`;
    return pass(`RabbitMQ at ${where}: ${waiting}`);
  } catch (err) {
    return fail(describeAmqpError(env.AMQP_URL, err));
  } finally {
    await model?.close().catch(() => undefined);
  }
}

/** Upgrades a WebSocket to the relay with the token, then closes it at once: 101 ok, 401 bad token. */
export function checkRelay(env: AgentEnv, timeoutMs: number): Promise<CheckResult> {
  const where = maskUrl(env.RELAY_URL);
  return new Promise<CheckResult>((resolveCheck) => {
    let done = false;
    const finish = (result: CheckResult): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (ws.readyState === WebSocket.OPEN) ws.close(1000, 'doctor');
      else ws.terminate();
      resolveCheck(result);
    };
    const ws = new WebSocket(env.RELAY_URL, WIRE_PROTOCOL, {
      headers: { Authorization: `Bearer ${env.AGENT_TOKEN}` },
      handshakeTimeout: timeoutMs,
      perMessageDeflate: false,
    });
    const timer = setTimeout(
      () =>
        finish(
          fail(
            `The relay at ${where} did not answer the WebSocket upgrade within ${Math.round(timeoutMs / 1000)} s: check RELAY_URL and the firewall`,
          ),
        ),
      timeoutMs,
    );
    ws.on('unexpected-response', (_req, res) => {
      res.resume();
      const status = res.statusCode ?? 0;
      if (status === 401)
        finish(
          fail(`The relay at ${where} refused AGENT_TOKEN (HTTP 401): check the token or create a new one`),
        );
      else if (status === 403)
        finish(
          fail(
            `The relay at ${where} refused this agent (HTTP 403): the agent or its tenant may be disabled`,
          ),
        );
      else
        finish(
          fail(
            `The relay at ${where} answered HTTP ${status} instead of upgrading to a WebSocket: check RELAY_URL points at the relay's /agent endpoint`,
          ),
        );
    });
    ws.on('open', () => {
      if (ws.protocol !== WIRE_PROTOCOL)
        finish(
          fail(
            `The relay at ${where} did not accept protocol ${WIRE_PROTOCOL}: update the agent or the relay`,
          ),
        );
      else
        finish(pass(`Relay at ${where}: WebSocket upgrade accepted the token (protocol ${WIRE_PROTOCOL})`));
    });
    ws.on('error', (err: Error & { code?: unknown }) => {
      const code = typeof err.code === 'string' ? err.code : undefined;
      if (code && /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO/.test(code))
        finish(
          fail(
            `The relay at ${where} presented a certificate this machine does not trust (${code}): check RELAY_URL or the system CA store`,
          ),
        );
      else if (code)
        finish(
          fail(
            `The relay at ${where} is not reachable (${code}): check RELAY_URL and that this machine may open outbound connections to it`,
          ),
        );
      else
        finish(fail(`The relay at ${where} failed the WebSocket upgrade (${err.message}): check RELAY_URL`));
    });
  });
}

export async function checkStateDir(env: AgentEnv): Promise<CheckResult> {
  const dir = resolve(env.AGENT_STATE_DIR);
  try {
    const info = await stat(dir).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return null;
      throw err;
    });
    if (info && !info.isDirectory())
      return fail(`AGENT_STATE_DIR ${dir} is a file, not a directory: point AGENT_STATE_DIR at a directory`);
    await access(info ? dir : dirname(dir), constants.W_OK);
    return pass(`State directory ${dir} is writable${info ? '' : ' (it will be created on start)'}`);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    return fail(
      `The state directory ${dir} is not writable (${code}): fix its permissions or set AGENT_STATE_DIR`,
    );
  }
}

/** Checks Odoo, RabbitMQ, the relay and the state directory; one line per check; true when all pass. */
export async function runDoctor(
  env: AgentEnv,
  out: (line: string) => void,
  options: DoctorOptions = {},
): Promise<boolean> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const results = await Promise.all([
    checkOdoo(env, timeoutMs),
    checkRabbit(env, timeoutMs),
    checkRelay(env, timeoutMs),
    checkStateDir(env),
  ]);
  for (const r of results) out(`${r.ok ? '✔' : '✘'} ${r.line}`);
  return results.every((r) => r.ok);
}
