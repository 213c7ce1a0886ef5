// Text for the rows and tooltips: no vscode here, so it is unit-tested.

import {
  RESOURCE_EVENTSOURCE,
  RESOURCE_WEBSOCKET,
  type ConsoleMessage,
  type EventSourceMessage,
  type NetworkRequest,
  type OriginalSizes,
  type TargetRef,
  type WebSocketFrame,
} from '../protocol';

/** Schemes whose URLs are shown as host and path. */
const HOSTED = new Set(['http:', 'https:', 'ws:', 'wss:']);

/** The short tags of the targets that are not the page itself. */
const TARGET_TAGS: Record<string, string> = {
  iframe: 'iframe',
  worker: 'worker',
  shared_worker: 'shared',
  service_worker: 'sw',
  popup: 'popup',
};

/**
 * "[worker]", "[iframe]", "[sw]", "[shared]", "[popup]": where a record came
 * from, when not from the watched page itself; "" for the page's own (and
 * for a record without a target, from an older backend).
 */
export function targetTag(t: TargetRef | undefined): string {
  if (!t || typeof t.type !== 'string' || t.type === 'page') return '';
  return `[${TARGET_TAGS[t.type] ?? t.type}]`;
}

/** "worker http://h/w.js (id 1A2B)": a target for the details and tooltips. */
export function targetText(t: TargetRef | undefined): string | undefined {
  if (!t) return undefined;
  const parts = [t.type, t.url ? shortUrl(t.url, 200) : '', t.id ? `(id ${t.id})` : ''];
  return parts.filter(Boolean).join(' ');
}

function withTag(tag: string, s: string): string {
  return tag ? `${tag} ${s}` : s;
}

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

/** The path and query of an http(s) or ws(s) URL, else the URL shortened. */
export function urlPath(url: string, max = 120): string {
  try {
    const u = new URL(url);
    if (HOSTED.has(u.protocol)) {
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
    return HOSTED.has(u.protocol) ? u.host : '';
  } catch {
    return '';
  }
}

export function isWebSocket(r: Pick<NetworkRequest, 'resourceType'>): boolean {
  return r.resourceType === RESOURCE_WEBSOCKET;
}

/**
 * "GET 200 /path?query": what a network row says; the host is in the
 * description. A WebSocket reads "WS 101 /socket"; a request of a target
 * other than the page starts with its tag: "[worker] GET 200 /data.json".
 */
export function requestLabel(r: NetworkRequest): string {
  const method = isWebSocket(r) ? 'WS' : r.method;
  return withTag(targetTag(r.target), `${method} ${statusText(r)} ${urlPath(r.url)}`);
}

/** What a WebSocket's state means: connecting, open, closed. */
function socketState(r: NetworkRequest): string | undefined {
  if (r.state === 'pending') return 'connecting';
  if (r.state === 'responded') return 'open';
  if (r.state === 'finished') return 'closed';
  return undefined;
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * What follows the label, dimmed: duration, size, type (or the error), host.
 * streamed is the frames a WebSocket had (messages, for an EventSource),
 * shown when there were any; a WebSocket says whether it is open.
 */
export function requestDescription(r: NetworkRequest, streamed = 0): string {
  let parts: Array<string | undefined>;
  if (r.state === 'failed') {
    parts = [r.errorText, formatDuration(r.duration)];
  } else if (isWebSocket(r)) {
    parts = [socketState(r), formatDuration(r.duration), r.resourceType];
  } else {
    parts = [formatDuration(r.duration), formatBytes(r.encodedDataLength), r.resourceType];
  }
  if (streamed > 0) {
    parts.push(isWebSocket(r) ? plural(streamed, 'frame', 'frames') : plural(streamed, 'message', 'messages'));
  }
  if (r.fromServiceWorker) parts.push('from service worker');
  return [...parts, urlHost(r.url)].filter(Boolean).join(' · ');
}

/**
 * The first line of a message, cut to max characters; a message of a
 * target other than the page starts with its tag ("[worker] boom").
 */
export function messageLabel(m: ConsoleMessage, max = 300): string {
  const tag = targetTag(m.target);
  const room = tag ? Math.max(20, max - tag.length - 1) : max;
  const first = m.text.split('\n', 1)[0] ?? '';
  const more = first.length < m.text.length;
  const s = first.length > room ? `${first.slice(0, room - 1)}…` : first;
  return withTag(tag, more && !s.endsWith('…') ? `${s} …` : s);
}

/** Where a console message came from, for its tooltip: target and frame. */
export function messageOrigin(m: ConsoleMessage): string | undefined {
  const t = targetText(m.target);
  if (!t) return m.frameId ? `frame ${m.frameId}` : undefined;
  return m.frameId ? `${t}, frame ${m.frameId}` : t;
}

/** "Targets: 1 page, 2 worker; gone: 1 popup", or undefined when none is known. */
export function targetSummary(live: Record<string, number>, ended: Record<string, number>): string | undefined {
  const list = (counts: Record<string, number>): string =>
    Object.entries(counts)
      .filter(([, n]) => n > 0)
      .map(([type, n]) => `${n} ${type}`)
      .join(', ');
  const now = list(live);
  const gone = list(ended);
  if (!now && !gone) return undefined;
  return `Targets: ${now || 'none'}${gone ? `; gone: ${gone}` : ''}`;
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
    ['From service worker', r.fromServiceWorker ? 'yes' : undefined],
    ['Error', r.errorText],
    ['Started', Number.isFinite(r.timestamp) ? new Date(r.timestamp).toISOString() : undefined],
    ['Request id', r.requestId],
    ['Target', targetText(r.target)],
    ['Target parent', r.target?.parentId],
    ['Frame id', r.frameId],
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
  if (isWebSocket(r)) {
    // A WebSocket has no body: its messages are its frames.
    out.push('', framesHeading(r.frames), ...(r.frames ?? []).map(frameText));
    if (!r.frames?.length) out.push('(none)');
  } else {
    out.push('', `## Response body${r.bodySize !== undefined ? ` (${formatBytes(r.bodySize)})` : ''}`);
    out.push(bodyText(r));
    if (r.messages?.length || r.resourceType === RESOURCE_EVENTSOURCE) {
      out.push('', messagesHeading(r.messages), ...(r.messages ?? []).map(eventText));
      if (!r.messages?.length) out.push('(none)');
    }
  }
  return out.join('\n') + '\n';
}

/** bdg-rpc keeps the newest 100 frames (or messages) of each socket. */
const KEPT_PER_SOCKET = 100;

function framesHeading(frames: WebSocketFrame[] | undefined): string {
  const n = frames?.length ?? 0;
  return `## Frames (${n}${n >= KEPT_PER_SOCKET ? ', the newest' : ''}; → sent, ← received)`;
}

function messagesHeading(messages: EventSourceMessage[] | undefined): string {
  const n = messages?.length ?? 0;
  return `## EventSource messages (${n}${n >= KEPT_PER_SOCKET ? ', the newest' : ''})`;
}

/** HH:MM:SS.mmm (UTC) of ms since the epoch. */
function clock(ms: number): string {
  return Number.isFinite(ms) ? new Date(ms).toISOString().slice(11, 23) : '--:--:--.---';
}

/** Continuation lines of a multi-line payload, indented under its frame. */
function indentRest(s: string): string {
  return s.replace(/\r?\n/g, '\n    ');
}

/**
 * One WebSocket frame: "→ 12:00:00.123 text 9 B: ping text", a binary
 * one "← 12:00:00.124 binary 4 B (base64): AQID/w==".
 */
export function frameText(f: WebSocketFrame): string {
  const arrow = f.direction === 'sent' ? '→' : '←';
  const kind = f.opcode === 2 ? 'binary' : f.opcode === 1 ? 'text' : `opcode ${f.opcode}`;
  const notes = [f.base64 ? 'base64' : '', f.truncated ? 'cut' : ''].filter(Boolean).join(', ');
  const head = `${arrow} ${clock(f.timestamp)} ${kind} ${formatBytes(f.size)}${notes ? ` (${notes})` : ''}`;
  return `${head}: ${indentRest(f.payload ?? '')}`;
}

/** One EventSource message: "12:00:00.123 tick #3: data". */
export function eventText(m: EventSourceMessage): string {
  const id = m.eventId ? ` #${m.eventId}` : '';
  const cut = m.truncated ? ' (cut)' : '';
  return `${clock(m.timestamp)} ${m.eventName || 'message'}${id}${cut}: ${indentRest(m.data ?? '')}`;
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
