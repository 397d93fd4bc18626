import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

export const HINT_PATH = '/hints';
export const MAX_HINT_BYTES = 64 * 1024;
export const HINT_SECRET_HEADER = 'x-stockbridge-hint-secret';

/**
 * `POST /hints` for Odoo's "Send Webhook Notification" (17+). Odoo sends no auth header and no signature, so
 * the shared secret travels in the URL the admin configures (`http://agent:8088/hints?secret=...`) or in
 * `X-StockBridge-Hint-Secret`. The body is only a hint: it triggers a poll and never carries quantities
 * (17/18 post before commit, so it may even describe work that is rolled back). Answers fast: Odoo waits 1 s.
 */
export function createHintHandler(
  secret: string,
  onHint: (body: unknown) => void,
): (req: IncomingMessage, res: ServerResponse) => void {
  if (secret.length < 16)
    throw new Error('hint endpoint: the shared secret must have at least 16 characters');
  const expected = digest(secret);

  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://agent.invalid');
    if (url.pathname !== HINT_PATH) return reply(res, 404, `not found: use POST ${HINT_PATH}`);
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'POST');
      return reply(res, 405, `method ${req.method ?? '?'} not allowed: use POST ${HINT_PATH}`);
    }
    const header = req.headers[HINT_SECRET_HEADER];
    const given = url.searchParams.get('secret') ?? (typeof header === 'string' ? header : null);
    // Compare digests: constant time, and the length of the secret does not leak either.
    if (given === null || !timingSafeEqual(digest(given), expected)) {
      return reply(res, 401, 'secret: missing or wrong (add ?secret=... to the webhook URL)');
    }
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (declared > MAX_HINT_BYTES) return reply(res, 413, `body: larger than ${MAX_HINT_BYTES} bytes`, true);

    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > MAX_HINT_BYTES) {
        done = true;
        reply(res, 413, `body: larger than ${MAX_HINT_BYTES} bytes`, true);
        return;
      }
      chunks.push(chunk);
    });
    req.on('error', () => {
      done = true;
    });
    req.on('end', () => {
      if (done) return;
      done = true;
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      try {
        if (text.trim() === '') throw new Error('the body is empty');
        body = JSON.parse(text);
      } catch (err) {
        return reply(res, 400, `body: expected JSON (${(err as Error).message})`);
      }
      reply(res, 202, 'accepted');
      try {
        onHint(body);
      } catch {
        // a hint is best effort; the regular poll still runs
      }
    });
  };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

function reply(res: ServerResponse, status: number, message: string, close = false): void {
  if (res.headersSent) return;
  const body = JSON.stringify(status < 300 ? { status: message } : { error: message });
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
    ...(close ? { Connection: 'close' } : {}),
  });
  res.end(body);
}
