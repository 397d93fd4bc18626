import {
  Catch,
  HttpException,
  HttpStatus,
  Logger,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DomainError, type ErrorCode } from './domain-error';

export const STATUS_BY_CODE = {
  VALIDATION_FAILED: HttpStatus.BAD_REQUEST,
  INVALID_CHANNEL_CONFIG: HttpStatus.BAD_REQUEST,
  UNAUTHORIZED: HttpStatus.UNAUTHORIZED,
  FORBIDDEN: HttpStatus.FORBIDDEN,
  NOT_FOUND: HttpStatus.NOT_FOUND,
  TENANT_NOT_FOUND: HttpStatus.NOT_FOUND,
  AGENT_NOT_FOUND: HttpStatus.NOT_FOUND,
  AGENT_REVOKED: HttpStatus.CONFLICT, // a revoked agent stays revoked: create a new one
  API_KEY_NOT_FOUND: HttpStatus.NOT_FOUND,
  EVENT_NOT_FOUND: HttpStatus.NOT_FOUND,
  CHANNEL_NOT_FOUND: HttpStatus.NOT_FOUND,
  LISTING_NOT_FOUND: HttpStatus.NOT_FOUND,
  LISTING_EXISTS: HttpStatus.CONFLICT,
  DEAD_LETTER_NOT_FOUND: HttpStatus.NOT_FOUND,
  DEAD_LETTER_CLOSED: HttpStatus.CONFLICT, // already replayed or discarded, or its listing is gone
  CHANNEL_CALL_FAILED: HttpStatus.BAD_GATEWAY, // the channel's API failed a call made for this request
  RECONCILIATION_RUNNING: HttpStatus.CONFLICT, // one run per tenant at a time: wait for it, or read it
  RECONCILIATION_RUN_NOT_FOUND: HttpStatus.NOT_FOUND,
  PAYLOAD_TOO_LARGE: HttpStatus.PAYLOAD_TOO_LARGE,
} as const satisfies Record<ErrorCode, HttpStatus>;

/** The one error body every admin endpoint returns. */
export interface ErrorBody {
  error: { code: string; message: string; details?: readonly string[]; errorId?: string };
}

export interface MappedError {
  status: number;
  body: ErrorBody;
}

/** Nest's own HTTP exceptions (unknown route, body-parser, ...) keep their status under a stable code. */
const CODE_BY_STATUS: Partial<Record<number, ErrorCode>> = {
  400: 'VALIDATION_FAILED',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  413: 'PAYLOAD_TOO_LARGE',
};

/** Pure mapping, so it can be tested without an app: known errors keep their message, others become an opaque 500. */
export function mapError(
  err: unknown,
  errorId: () => string = randomUUID,
): MappedError & { unexpected: boolean } {
  if (err instanceof DomainError) {
    const error = { code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) };
    return { status: STATUS_BY_CODE[err.code], body: { error }, unexpected: false };
  }
  if (err instanceof HttpException) {
    const status = err.getStatus();
    if (status < 500) {
      const code = CODE_BY_STATUS[status] ?? 'HTTP_' + String(status);
      // Nest turns body-parser's SyntaxError into a bare BadRequestException("Unexpected token ..."): say what it is.
      const message =
        status === 400 && /JSON/.test(err.message)
          ? `body: expected valid JSON (${err.message})`
          : err.message;
      return { status, body: { error: { code, message } }, unexpected: false };
    }
  }
  const parserError = bodyParserError(err);
  if (parserError) return { ...parserError, unexpected: false };
  const id = errorId();
  const body = { error: { code: 'INTERNAL', message: `Internal error; quote errorId ${id}`, errorId: id } };
  return { status: HttpStatus.INTERNAL_SERVER_ERROR, body, unexpected: true };
}

/** body-parser raises http-errors (`expose: true`, 4xx status) before any route runs: say what was wrong. */
function bodyParserError(err: unknown): MappedError | null {
  if (typeof err !== 'object' || err === null) return null;
  const e = err as { expose?: unknown; status?: unknown; type?: unknown; message?: unknown };
  if (e.expose !== true || typeof e.status !== 'number' || e.status < 400 || e.status >= 500) return null;
  const message =
    e.type === 'entity.parse.failed'
      ? 'body: expected valid JSON'
      : e.type === 'entity.too.large'
        ? 'body: larger than the request size limit'
        : typeof e.message === 'string'
          ? e.message
          : 'bad request';
  const code = CODE_BY_STATUS[e.status] ?? 'HTTP_' + String(e.status);
  return { status: e.status, body: { error: { code, message } } };
}

/** The part of Express's response the filter uses (the project has no @types/express). */
interface JsonResponse {
  headersSent: boolean;
  status(code: number): { json(body: unknown): unknown };
}

/** Maps every error of an HTTP request. Unknown errors are 500 with a logged errorId, never a 4xx guess. */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpErrorFilter');

  catch(err: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw err; // the gateway never throws; anything else is not ours to map
    const res = host.switchToHttp().getResponse<JsonResponse>();
    const { status, body, unexpected } = mapError(err);
    if (unexpected) {
      const detail = err instanceof Error ? (err.stack ?? err.message) : String(err);
      this.logger.error(`errorId ${body.error.errorId ?? '?'}: ${detail}`);
    }
    if (res.headersSent) return;
    res.status(status).json(body);
  }
}
