import { isRecord } from '@stockbridge/shared';
import { classifyHttpStatus, classifyOdooException, OdooError, type OdooCallSite } from './odoo-error';
import {
  httpExchange,
  parseJsonBody,
  withRetries,
  type HttpAnswer,
  type OdooTransport,
  type TransportOptions,
} from './odoo-transport';

let nextRequestId = 1;

/**
 * One JSON-RPC 2.0 call on `POST /jsonrpc` (`service` = common | object | db), retried when retryable.
 * Odoo answers errors with HTTP 200 and an `error` member; a method returning None has no `result` at all.
 */
export function jsonRpc(
  options: TransportOptions,
  service: string,
  method: string,
  args: unknown[],
  site: OdooCallSite = { method: `${service}.${method}` },
): Promise<unknown> {
  const body = JSON.stringify({
    jsonrpc: '2.0',
    method: 'call',
    id: nextRequestId++,
    params: { service, method, args },
  });
  return withRetries(options.retry, async () => {
    const answer = await httpExchange(options, site, '/jsonrpc', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body,
    });
    return parseJsonRpcAnswer(options, site, answer);
  });
}

export function parseJsonRpcAnswer(
  options: TransportOptions,
  site: OdooCallSite,
  answer: HttpAnswer,
): unknown {
  const parsed = parseJsonBody(answer);
  const envelope = parsed && isRecord(parsed.value) ? parsed.value : undefined;
  if (envelope && 'error' in envelope) throw jsonRpcError(options, site, envelope['error'], answer.status);
  if (answer.status !== 200) {
    throw classifyHttpStatus(options.target, site, '/jsonrpc', answer.status, parsed ? '' : answer.text);
  }
  if (!envelope || envelope['jsonrpc'] !== '2.0') {
    throw new OdooError(
      'protocol',
      `${options.target.url}/jsonrpc did not answer JSON-RPC (got ${answer.contentType || 'no content type'}): ` +
        'check that ODOO_URL points at the Odoo server itself',
    );
  }
  // {"jsonrpc":"2.0","id":8} is success with no value (e.g. action_apply_inventory returns None).
  return envelope['result'];
}

function jsonRpcError(
  options: TransportOptions,
  site: OdooCallSite,
  error: unknown,
  status: number,
): OdooError {
  // Dispatch by error.data.name, never error.code (200 in 16–18, 0 in 19, arbitrary).
  const data = isRecord(error) && isRecord(error['data']) ? error['data'] : {};
  const name = typeof data['name'] === 'string' ? data['name'] : '';
  const message =
    typeof data['message'] === 'string'
      ? data['message']
      : isRecord(error) && typeof error['message'] === 'string'
        ? error['message']
        : 'no message';
  if (name === '' && message === 'no message') {
    return new OdooError(
      'protocol',
      `Odoo at ${options.target.url} sent a JSON-RPC error without a name or message`,
    );
  }
  return classifyOdooException(options.target, site, name, message, status);
}

/** `execute_kw` with the uid and the API key in place of the password (Odoo 14+), for Odoo 16–18. */
export class JsonRpcTransport implements OdooTransport {
  readonly kind = 'jsonrpc';

  constructor(
    private readonly options: TransportOptions,
    private readonly uid: number,
  ) {}

  call(model: string, method: string, args: unknown[], kwargs: Record<string, unknown>): Promise<unknown> {
    const { db } = this.options.target;
    return jsonRpc(
      this.options,
      'object',
      'execute_kw',
      [db, this.uid, this.options.apiKey, model, method, args, kwargs],
      { model, method },
    );
  }
}
