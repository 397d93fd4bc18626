/**
 * Every error a service means to show a client. The HTTP status is decided in one place (HttpErrorFilter),
 * so adding a code here fails compilation until it is mapped.
 */
export type ErrorCode =
  | 'VALIDATION_FAILED'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'TENANT_NOT_FOUND'
  | 'AGENT_NOT_FOUND'
  | 'AGENT_REVOKED'
  | 'API_KEY_NOT_FOUND'
  | 'EVENT_NOT_FOUND'
  | 'CHANNEL_NOT_FOUND'
  | 'LISTING_NOT_FOUND'
  | 'LISTING_EXISTS'
  | 'DEAD_LETTER_NOT_FOUND'
  | 'DEAD_LETTER_CLOSED'
  | 'CHANNEL_CALL_FAILED'
  | 'INVALID_CHANNEL_CONFIG'
  | 'RECONCILIATION_RUNNING'
  | 'RECONCILIATION_RUN_NOT_FOUND'
  | 'PAYLOAD_TOO_LARGE';

export class DomainError extends Error {
  override readonly name = 'DomainError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** One line per offending field, e.g. `rule.allocation: must not be greater than 1`. */
    readonly details?: readonly string[],
  ) {
    super(message);
  }
}
