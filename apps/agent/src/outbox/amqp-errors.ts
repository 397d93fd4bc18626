import { maskUrl } from '../config/agent-env';

const START_HINT = 'start it (rabbitmq-server -detached, or docker compose up -d rabbitmq) or set AMQP_URL';

function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** The vhost named by an AMQP URL, as RabbitMQ sees it ("/" when the path is empty). */
export function vhostOf(url: string): string {
  try {
    const path = new URL(url).pathname;
    return path === '' || path === '/' ? '/' : decodeURIComponent(path.slice(1));
  } catch {
    return '/';
  }
}

function userOf(url: string): string {
  try {
    return decodeURIComponent(new URL(url).username) || 'guest';
  } catch {
    return 'guest';
  }
}

/**
 * One sentence saying why the broker could not be used and what to do; the password never appears.
 * amqplib's own messages ("Expected ConnectionOpenOk; got <ConnectionClose channel:0>") name neither.
 */
export function describeAmqpError(url: string, err: unknown): string {
  const where = maskUrl(url);
  const message = err instanceof Error ? err.message : String(err);
  const code = errorCode(err);
  if (
    code === 'ECONNREFUSED' ||
    code === 'ENOTFOUND' ||
    code === 'EAI_AGAIN' ||
    code === 'EHOSTUNREACH' ||
    code === 'ETIMEDOUT' ||
    code === 'ECONNRESET'
  )
    return `RabbitMQ is not reachable at ${where} (${code}): ${START_HINT}`;
  if (/ACCESS.REFUSED/.test(message))
    return `RabbitMQ at ${where} refused user "${userOf(url)}" (ACCESS_REFUSED): check the user and password in AMQP_URL`;
  if (/PRECONDITION.FAILED/.test(message) && /agent\.outbox/.test(message))
    return `RabbitMQ at ${where} already has an outbox queue with other settings (${message.replace(/^.*PRECONDITION_FAILED - /, '').replace(/"$/, '')}): move its messages away and delete it, then restart the agent`;
  if (/ConnectionOpenOk|NOT_ALLOWED|vhost \S+ not found/i.test(message)) {
    const vhost = vhostOf(url);
    return `RabbitMQ at ${where} refused virtual host "${vhost}" (missing, or user "${userOf(url)}" has no access): create it with rabbitmqctl add_vhost ${vhost} and set_permissions, or fix AMQP_URL`;
  }
  if (/closed abruptly|socket closed/i.test(message))
    return `RabbitMQ is not reachable at ${where} (the connection closed during the handshake): ${START_HINT}`;
  if (/CONNECTION.FORCED/.test(message))
    return `RabbitMQ at ${where} closed the connection (CONNECTION_FORCED: the broker is stopping or an operator closed it)`;
  if (/timeout|timed out/i.test(message))
    return `RabbitMQ is not reachable at ${where} (timed out): ${START_HINT}`;
  return `RabbitMQ at ${where} failed (${message.replace(/amqps?:\/\/[^\s"]*/g, (u) => maskUrl(u))}): check AMQP_URL and the broker log`;
}
