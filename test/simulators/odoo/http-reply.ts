/** What a route answers; the server writes it (after the configured delay, unless the server went down). */
export interface HttpReply {
  status: number;
  contentType: string;
  body: string;
}

export const jsonReply = (status: number, value: unknown): HttpReply => ({
  status,
  contentType: 'application/json; charset=utf-8',
  body: JSON.stringify(value),
});

export const textReply = (status: number, body: string): HttpReply => ({
  status,
  contentType: 'text/plain; charset=utf-8',
  body,
});

/** werkzeug's HTML error page, e.g. for /json/2 on a server older than 19 or an unknown path. */
export const htmlNotFound = (): HttpReply => ({
  status: 404,
  contentType: 'text/html; charset=utf-8',
  body:
    '<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n' +
    '<p>The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.</p>\n',
});

export function isJsonContentType(header: string | undefined): boolean {
  const mime = (header ?? '').split(';')[0]?.trim().toLowerCase();
  return mime === 'application/json' || mime === 'application/json-rpc';
}
