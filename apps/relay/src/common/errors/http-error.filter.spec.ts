import {
  BadRequestException,
  HttpStatus,
  Logger,
  NotFoundException,
  type ArgumentsHost,
} from '@nestjs/common';
import { DomainError, type ErrorCode } from './domain-error';
import { HttpErrorFilter, mapError, STATUS_BY_CODE } from './http-error.filter';

describe('mapError', () => {
  it.each(Object.entries(STATUS_BY_CODE) as Array<[ErrorCode, number]>)(
    'maps DomainError %s to HTTP %i with its code and message',
    (code, status) => {
      expect(mapError(new DomainError(code, `about ${code}`))).toEqual({
        status,
        body: { error: { code, message: `about ${code}` } },
        unexpected: false,
      });
    },
  );

  it('passes the per-field details of a validation error on', () => {
    const err = new DomainError('VALIDATION_FAILED', 'Invalid request: name: required', ['name: required']);
    expect(mapError(err).body.error.details).toEqual(['name: required']);
  });

  it('keeps the status of Nest’s own 4xx exceptions under a stable code', () => {
    expect(mapError(new NotFoundException('Cannot GET /nope'))).toMatchObject({
      status: 404,
      body: { error: { code: 'NOT_FOUND', message: 'Cannot GET /nope' } },
    });
    expect(mapError(new BadRequestException('Unexpected end of JSON input'))).toMatchObject({
      status: 400,
      body: {
        error: {
          code: 'VALIDATION_FAILED',
          message: 'body: expected valid JSON (Unexpected end of JSON input)',
        },
      },
    });
  });

  it('maps body-parser errors (http-errors with expose) by status', () => {
    const tooLarge = Object.assign(new Error('request entity too large'), {
      expose: true,
      status: 413,
      type: 'entity.too.large',
    });
    expect(mapError(tooLarge)).toMatchObject({
      status: 413,
      body: { error: { code: 'PAYLOAD_TOO_LARGE', message: 'body: larger than the request size limit' } },
    });
  });

  it('turns anything else into a 500 with an errorId and no internal detail', () => {
    const mapped = mapError(new Error('relation "secret_table" does not exist'), () => 'id-123');
    expect(mapped).toEqual({
      status: HttpStatus.INTERNAL_SERVER_ERROR,
      body: {
        error: { code: 'INTERNAL', message: 'Internal error; quote errorId id-123', errorId: 'id-123' },
      },
      unexpected: true,
    });
    expect(mapError('a string thrown').status).toBe(500);
    expect(mapError(Object.assign(new Error('x'), { status: 400 })).status).toBe(500); // no expose: not a client error
  });
});

describe('HttpErrorFilter', () => {
  function httpHost(): { host: ArgumentsHost; sent: { status?: number; body?: unknown } } {
    const sent: { status?: number; body?: unknown } = {};
    const res = {
      headersSent: false,
      status(code: number) {
        sent.status = code;
        return { json: (body: unknown) => (sent.body = body) };
      },
    };
    const host = {
      getType: () => 'http',
      switchToHttp: () => ({ getResponse: () => res }),
    } as unknown as ArgumentsHost;
    return { host, sent };
  }

  it('writes the mapped status and body', () => {
    const { host, sent } = httpHost();
    new HttpErrorFilter().catch(new DomainError('TENANT_NOT_FOUND', 'Tenant t not found'), host);
    expect(sent).toEqual({
      status: 404,
      body: { error: { code: 'TENANT_NOT_FOUND', message: 'Tenant t not found' } },
    });
  });

  it('logs an unexpected error with the errorId it returns', () => {
    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const { host, sent } = httpHost();
    new HttpErrorFilter().catch(new Error('boom'), host);
    const errorId = (sent.body as { error: { errorId: string } }).error.errorId;
    expect(sent.status).toBe(500);
    expect(logged).toHaveBeenCalledWith(expect.stringContaining(`errorId ${errorId}: Error: boom`));
    logged.mockRestore();
  });
});
