import { isRecord } from '@stockbridge/shared';
import { classifyHttpStatus, classifyOdooException, OdooError, type OdooCallSite } from './odoo-error';
import {
  httpExchange,
  parseJsonBody,
  withRetries,
  type OdooTransport,
  type TransportOptions,
} from './odoo-transport';

/**
 * JSON-2 takes named arguments only. Positional `execute_kw`-style args are named from the ORM method
 * signatures; `ids` (first name) means a record method, sent as the body's `ids` member.
 */
const ARGUMENT_NAMES: Record<string, readonly string[]> = {
  search_read: ['domain', 'fields', 'offset', 'limit', 'order'],
  search: ['domain', 'offset', 'limit', 'order'],
  search_count: ['domain', 'limit'],
  read: ['ids', 'fields', 'load'],
  fields_get: ['allfields', 'attributes'],
  read_group: ['domain', 'fields', 'groupby', 'offset', 'limit', 'orderby', 'lazy'],
  name_search: ['name', 'domain', 'operator', 'limit'],
  default_get: ['fields_list'],
  create: ['vals_list'],
  write: ['ids', 'vals'],
  unlink: ['ids'],
  copy: ['ids', 'default'],
  context_get: [],
};

const GATEWAY_STATUSES = new Set([502, 503, 504]); // retried whatever the body says

const isIdList = (v: unknown): v is number[] => Array.isArray(v) && v.every((id) => Number.isSafeInteger(id));

/** Builds the JSON-2 body for `model.method(*args, **kwargs)`; throws when args cannot be named. */
export function json2Body(
  method: string,
  args: unknown[],
  kwargs: Record<string, unknown>,
): Record<string, unknown> {
  // Action methods (button_validate, action_confirm...) take only the record ids.
  const names = ARGUMENT_NAMES[method] ?? (args.length === 1 && isIdList(args[0]) ? ['ids'] : undefined);
  if (names === undefined && args.length > 0) {
    throw new OdooError(
      'protocol',
      `JSON-2 needs named arguments for ${method}: pass them in kwargs (agent bug, please report)`,
    );
  }
  const body: Record<string, unknown> = {};
  args.forEach((value, i) => {
    const name = names?.[i];
    if (name === undefined) {
      throw new OdooError(
        'protocol',
        `JSON-2: ${method} takes at most ${names?.length ?? 0} positional arguments`,
      );
    }
    body[name] = value;
  });
  for (const [key, value] of Object.entries(kwargs)) {
    if (key in body)
      throw new OdooError('protocol', `JSON-2: ${method} got ${key} twice (positional and named)`);
    body[key] = value;
  }
  return body;
}

/** `POST /json/2/<model>/<method>` with a bearer API key (Odoo 19+). Each call is its own transaction. */
export class Json2Transport implements OdooTransport {
  readonly kind = 'json2';

  constructor(private readonly options: TransportOptions) {}

  call(model: string, method: string, args: unknown[], kwargs: Record<string, unknown>): Promise<unknown> {
    const site: OdooCallSite = { model, method };
    const path = `/json/2/${encodeURIComponent(model)}/${encodeURIComponent(method)}`;
    const body = JSON.stringify(json2Body(method, args, kwargs));
    return withRetries(this.options.retry, async () => {
      const answer = await httpExchange(this.options, site, path, {
        method: 'POST',
        headers: {
          Authorization: `bearer ${this.options.apiKey}`,
          'X-Odoo-Database': this.options.target.db,
          'Content-Type': 'application/json; charset=utf-8',
          Accept: 'application/json',
        },
        body,
      });
      const parsed = parseJsonBody(answer);
      if (answer.status >= 200 && answer.status < 300) {
        if (answer.text.trim() === '') return undefined;
        if (!parsed) {
          throw new OdooError(
            'protocol',
            `${this.options.target.url}${path} answered ${answer.contentType || 'something'} that is not JSON: ` +
              'check that ODOO_URL points at the Odoo server itself',
          );
        }
        return parsed.value;
      }
      // Errors carry a real HTTP status and {name, message, arguments, context, debug}; early ones may be HTML.
      const err = parsed && isRecord(parsed.value) ? parsed.value : undefined;
      if (err && typeof err['name'] === 'string' && !GATEWAY_STATUSES.has(answer.status)) {
        const message = typeof err['message'] === 'string' ? err['message'] : '';
        const classified = classifyOdooException(
          this.options.target,
          site,
          err['name'],
          message,
          answer.status,
        );
        if (answer.status === 404 && classified.kind === 'server') {
          throw new OdooError(
            'module-missing',
            `the model ${model} (or its method ${method}) does not exist in "${this.options.target.db}": ` +
              'the module that provides it is not installed',
            { odooName: err['name'], odooMessage: message, httpStatus: 404 },
          );
        }
        throw classified;
      }
      throw classifyHttpStatus(this.options.target, site, path, answer.status, parsed ? '' : answer.text);
    });
  }
}
