import { createHash, randomBytes } from 'node:crypto';

export const AGENT_TOKEN_PREFIX = 'sba_';

/** A new agent token: shown once to the operator, stored only as its SHA-256. */
export function generateAgentToken(): { token: string; hash: string; prefix: string } {
  const token = AGENT_TOKEN_PREFIX + randomBytes(32).toString('base64url');
  return { token, hash: hashAgentToken(token), prefix: token.slice(0, 12) };
}

/** Tokens carry 256 random bits, so a fast unsalted hash is enough: there is nothing to brute-force. */
export function hashAgentToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Cheap shape check before touching the database: `sba_` + 43 base64url characters. */
export function looksLikeAgentToken(token: string): boolean {
  return /^sba_[A-Za-z0-9_-]{43}$/.test(token);
}
