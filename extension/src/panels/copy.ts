// What the Network panel's "Copy as cURL" and "Copy as fetch" put on the
// clipboard, as DevTools writes them: a command or a call that makes the
// same request again (method, headers, body). No vscode here: unit-tested.

import type { NetworkRequest } from '../protocol';

/** Headers a request cannot set again: HTTP/2 pseudo-headers. */
function isPseudo(name: string): boolean {
  return name.startsWith(':');
}

/** A string in single quotes for bash; $'...' when it holds control characters. */
export function shellQuote(s: string): string {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(s)) {
    const body = s.replace(/[\\']/g, '\\$&').replace(/[\u0000-\u001f\u007f]/g, (c) => {
      switch (c) {
        case '\n':
          return '\\n';
        case '\r':
          return '\\r';
        case '\t':
          return '\\t';
      }
      return `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
    });
    return `$'${body}'`;
  }
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

function headerEntries(r: NetworkRequest): [string, string][] {
  return Object.entries(r.requestHeaders ?? {})
    .filter(([k]) => !isPseudo(k))
    .map(([k, v]) => [k, String(v)]);
}

/** `curl 'URL' -H ... --data-raw ...`, one option a line. */
export function asCurl(r: NetworkRequest): string {
  const parts = [`curl ${shellQuote(r.url)}`];
  const body = r.requestBody;
  const method = r.method.toUpperCase();
  if (!(method === 'GET' && body === undefined) && !(method === 'POST' && body !== undefined)) {
    parts.push(`-X ${shellQuote(method)}`);
  }
  let compressed = false;
  for (const [k, v] of headerEntries(r)) {
    if (k.toLowerCase() === 'accept-encoding') {
      compressed = true;
      continue;
    }
    parts.push(`-H ${shellQuote(`${k}: ${v}`)}`);
  }
  if (body !== undefined) parts.push(`--data-raw ${shellQuote(body)}`);
  if (compressed) parts.push('--compressed');
  return parts.join(' \\\n  ');
}

/** Headers fetch() may not set: the browser sets them. */
const FORBIDDEN = new Set(['accept-encoding', 'connection', 'content-length', 'cookie', 'host', 'origin', 'referer', 'user-agent']);

/** `fetch("URL", {headers, referrer, body, method, mode, credentials});` */
export function asFetch(r: NetworkRequest): string {
  const headers: Record<string, string> = {};
  let referrer: string | undefined;
  let cookies = false;
  for (const [k, v] of headerEntries(r)) {
    const lower = k.toLowerCase();
    if (lower === 'referer') referrer = v;
    if (lower === 'cookie') cookies = true;
    if (!FORBIDDEN.has(lower) && !lower.startsWith('sec-')) headers[lower] = v;
  }
  const init: Record<string, unknown> = { headers };
  if (referrer !== undefined) init.referrer = referrer;
  init.body = r.requestBody ?? null;
  init.method = r.method.toUpperCase();
  init.mode = 'cors';
  init.credentials = cookies ? 'include' : 'omit';
  return `fetch(${JSON.stringify(r.url)}, ${JSON.stringify(init, null, 2)});`;
}

/** The response body as text: base64 decoded, when the session kept it. */
export function responseText(r: NetworkRequest): string | undefined {
  if (r.responseBody === undefined) return undefined;
  return r.base64Encoded ? Buffer.from(r.responseBody, 'base64').toString('utf8') : r.responseBody;
}
