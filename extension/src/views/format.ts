// Text for the rows and tooltips: no vscode here, so it is unit-tested.

import type { ConsoleMessage, NetworkRequest, OriginalSizes } from '../protocol';

/** The URL without scheme and host when it is on the page's origin. */
export function shortUrl(url: string, max = 120): string {
  let s = url;
  try {
    const u = new URL(url);
    if (u.protocol === 'http:' || u.protocol === 'https:') s = `${u.host}${u.pathname}${u.search}`;
  } catch {
    // not a URL: show it as it is
  }
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

export function statusText(r: NetworkRequest): string {
  if (r.state === 'failed') return r.canceled ? 'canceled' : 'failed';
  if (r.status === undefined) return '…';
  return String(r.status);
}

export function formatDuration(ms: number | undefined): string {
  if (ms === undefined) return '';
  if (ms < 1) return '<1 ms';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}

export function formatBytes(n: number | undefined): string {
  if (n === undefined) return '';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} kB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** The path and query of an http(s) URL, else the URL shortened. */
export function urlPath(url: string, max = 120): string {
  try {
    const u = new URL(url);
    if (u.protocol === 'http:' || u.protocol === 'https:') {
      const s = `${u.pathname}${u.search}`;
      return s.length > max ? `${s.slice(0, max - 1)}…` : s;
    }
  } catch {
    // not a URL
  }
  return shortUrl(url, max);
}

function urlHost(url: string): string {
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.host : '';
  } catch {
    return '';
  }
}

/** "GET 200 /path?query": what a network row says; the host is in the description. */
export function requestLabel(r: NetworkRequest): string {
  return `${r.method} ${statusText(r)} ${urlPath(r.url)}`;
}

/** What follows the label, dimmed: duration, size, type (or the error), host. */
export function requestDescription(r: NetworkRequest): string {
  const parts =
    r.state === 'failed'
      ? [r.errorText, formatDuration(r.duration)]
      : [formatDuration(r.duration), formatBytes(r.encodedDataLength), r.resourceType];
  return [...parts, urlHost(r.url)].filter(Boolean).join(' · ');
}

/** The first line of a message, cut to max characters. */
export function messageLabel(m: ConsoleMessage, max = 300): string {
  const first = m.text.split('\n', 1)[0] ?? '';
  const more = first.length < m.text.length;
  const s = first.length > max ? `${first.slice(0, max - 1)}…` : first;
  return more && !s.endsWith('…') ? `${s} …` : s;
}

/** "file.js:3:9" for a message's source location, or "". */
export function messageLocation(m: ConsoleMessage): string {
  if (!m.url) return '';
  let name = m.url;
  try {
    const u = new URL(m.url);
    name = u.pathname.split('/').pop() || u.host || m.url;
  } catch {
    name = m.url.split('/').pop() || m.url;
  }
  if (m.line === undefined) return name;
  return m.column === undefined ? `${name}:${m.line}` : `${name}:${m.line}:${m.column}`;
}

/** A request's full text for the read-only details document. */
export function requestDetails(r: NetworkRequest): string {
  const out: string[] = [];
  out.push(`${r.method} ${r.url}`);
  const status = r.status !== undefined ? `${r.status} ${r.statusText ?? ''}`.trim() : statusText(r);
  out.push(`Status: ${status}`);
  const facts: Array<[string, string | undefined]> = [
    ['State', r.state],
    ['Type', r.resourceType],
    ['MIME type', r.mimeType],
    ['Protocol', r.protocol],
    ['Remote address', r.remoteAddress],
    ['Duration', formatDuration(r.duration) || undefined],
    ['Transferred', formatBytes(r.encodedDataLength) || undefined],
    ['From cache', r.fromCache ? 'yes' : undefined],
    ['Error', r.errorText],
    ['Started', Number.isFinite(r.timestamp) ? new Date(r.timestamp).toISOString() : undefined],
    ['Request id', r.requestId],
    ['Truncated', truncatedText(r.originalSizes)],
  ];
  for (const [k, v] of facts) if (v) out.push(`${k}: ${v}`);
  for (const h of r.redirects ?? []) out.push(`Redirected from: ${h.status} ${h.url}`);
  out.push('', '## Request headers', ...headerLines(r.requestHeaders));
  if (r.requestBody) {
    const cut = r.originalSizes?.requestBody;
    out.push('', `## Request body${cut ? ` (the first ${formatBytes(new TextEncoder().encode(r.requestBody).length)} of ${formatBytes(cut)})` : ''}`, r.requestBody);
  } else if (r.requestBodySize) {
    out.push('', '## Request body', `(not kept: ${formatBytes(r.requestBodySize)})`);
  }
  out.push('', '## Response headers', ...headerLines(r.responseHeaders));
  out.push('', `## Response body${r.bodySize !== undefined ? ` (${formatBytes(r.bodySize)})` : ''}`);
  out.push(bodyText(r));
  return out.join('\n') + '\n';
}

/**
 * Which fields were cut to their caps, with their sizes before (see
 * "Bounds and drops" in docs/PROTOCOL.md); undefined when none was.
 */
export function truncatedText(sizes: OriginalSizes | undefined): string | undefined {
  if (!sizes) return undefined;
  const parts = Object.entries(sizes)
    .filter((e): e is [string, number] => typeof e[1] === 'number' && e[1] > 0)
    .map(([field, n]) => (field === 'redirects' ? `${field} (of ${n} hops)` : `${field} (of ${formatBytes(n)})`));
  return parts.length ? parts.join(', ') : undefined;
}

function headerLines(h: Record<string, unknown> | undefined): string[] {
  if (!h || Object.keys(h).length === 0) return ['(none)'];
  return Object.entries(h).map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`);
}

function bodyText(r: NetworkRequest): string {
  if (r.responseBody === undefined || r.responseBody === '') {
    if (r.bodyOmitted) return `(not kept: ${r.bodyOmitted})`;
    return r.state === 'finished' ? '(empty)' : `(none yet: ${r.state})`;
  }
  if (r.base64Encoded) return `(base64)\n${r.responseBody}`;
  if (r.mimeType && /json/i.test(r.mimeType)) {
    try {
      return JSON.stringify(JSON.parse(r.responseBody), null, 2);
    } catch {
      // not valid JSON after all: show it as it came
    }
  }
  return r.responseBody;
}
