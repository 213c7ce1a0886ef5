// The Network panel's rows: what the webview needs of each request to show,
// filter and sort its table (the filter language's fields, netfilter.ts),
// and the messages between the panel and its webview. No vscode here.

import type { FilterRecord } from './netfilter';
import type { NetworkRequest, OriginalLocation, Timing } from '../protocol';

/** A row of the Network table. */
export interface PanelRow extends FilterRecord {
  id: string;
  /** The last segment of the URL's path (and its query), as DevTools names a request. */
  name: string;
  statusText?: string;
  /** ms since the epoch, when it was sent; duration in ms, when it ended. */
  start: number;
  duration?: number;
  /** ms after start when the response's headers came: the waterfall's waiting ends, its download begins. */
  headersAt?: number;
  /** "script app.js:1:3829", "parser index.html:12", "other". */
  initiator: string;
  errorText?: string;
  targetTag?: string;
}

/** The name DevTools gives a request: the path's last segment and the query. */
export function requestName(url: string): string {
  try {
    const u = new URL(url);
    const segs = u.pathname.split('/');
    let last = segs.pop() ?? '';
    if (last === '') last = segs.pop() ?? '';
    const name = (last === '' ? u.host : decodeURIComponent(last)) + u.search;
    return name === '' ? url : name;
  } catch {
    return url;
  }
}

function shortPlace(url: string, line?: number, column?: number): string {
  const name = requestName(url);
  if (!line) return name;
  return column ? `${name}:${line}:${column}` : `${name}:${line}`;
}

/** The initiator column's text. */
export function initiatorText(r: NetworkRequest): string {
  const i = r.initiator;
  if (!i) return '';
  if (!i.url) return i.type;
  return `${i.type} ${shortPlace(i.url, i.line, i.column)}`;
}

export function toRow(r: NetworkRequest): PanelRow {
  const row: PanelRow = {
    id: r.requestId,
    name: requestName(r.url),
    url: r.url,
    method: r.method,
    state: r.state,
    start: r.timestamp,
    initiator: initiatorText(r),
  };
  if (r.status !== undefined) row.status = r.status;
  if (r.statusText) row.statusText = r.statusText;
  if (r.mimeType) row.mimeType = r.mimeType;
  if (r.resourceType) row.resourceType = r.resourceType;
  if (r.target) {
    row.target = { id: r.target.id, type: r.target.type };
    if (r.target.type !== 'page') row.targetTag = r.target.type;
  }
  if (r.fromCache) row.fromCache = true;
  if (r.redirects?.length) row.redirects = r.redirects.map(() => ({}));
  if (r.encodedDataLength !== undefined) row.encodedDataLength = r.encodedDataLength;
  if (r.bodySize !== undefined) row.bodySize = r.bodySize;
  if (r.duration !== undefined) row.duration = r.duration;
  const t = r.timing;
  if (t) {
    row.headersAt =
      t.receive >= 0 && r.duration !== undefined
        ? Math.max(0, r.duration - t.receive)
        : Math.max(t.blocked, 0) + Math.max(t.dns, 0) + Math.max(t.connect, 0) + Math.max(t.send, 0) + Math.max(t.wait, 0);
  }
  if (r.errorText) row.errorText = r.errorText;
  return row;
}

/** What the type chips select: DevTools' groups of resource types. */
export const TYPE_CHIPS = ['All', 'Fetch/XHR', 'Doc', 'JS', 'CSS', 'Img', 'WS', 'Other'] as const;
export type TypeChip = (typeof TYPE_CHIPS)[number];

export function chipOf(resourceType: string | undefined): Exclude<TypeChip, 'All'> {
  switch (resourceType) {
    case 'Fetch':
    case 'XHR':
    case 'EventSource':
      return 'Fetch/XHR';
    case 'Document':
      return 'Doc';
    case 'Script':
      return 'JS';
    case 'Stylesheet':
      return 'CSS';
    case 'Image':
      return 'Img';
    case 'WebSocket':
      return 'WS';
  }
  return 'Other';
}

/** The details the panel shows for a request: network/get with its body. */
export interface PanelDetails {
  request: NetworkRequest;
  /** The initiator's place in the original source (source/resolve), shown as its path. */
  initiatorOriginal?: OriginalLocation & { display: string };
}

/** Messages the extension posts to the webview. */
export type ToWebview =
  | { type: 'reset'; rows: PanelRow[]; session?: string }
  | { type: 'upsert'; rows: PanelRow[] }
  /** Rows the model let go (its bound), oldest first. */
  | { type: 'remove'; ids: string[] }
  | { type: 'details'; id: string; details?: PanelDetails; error?: string };

/** Messages the webview posts to the extension. */
export type FromWebview =
  | { type: 'ready' }
  | { type: 'select'; id: string }
  | { type: 'copy'; id: string; what: 'url' | 'curl' | 'fetch' | 'response' }
  | { type: 'saveHar' }
  | { type: 'openInitiator'; id: string };

/** The phases of a request's timing, as DevTools' Timing tab lists them. */
const PHASES: { key: keyof Timing; label: string; cls: string }[] = [
  { key: 'blocked', label: 'Queued and stalled', cls: 'blocked' },
  { key: 'dns', label: 'DNS lookup', cls: 'dns' },
  { key: 'connect', label: 'Initial connection', cls: 'connect' },
  { key: 'ssl', label: 'SSL', cls: 'ssl' },
  { key: 'send', label: 'Request sent', cls: 'send' },
  { key: 'wait', label: 'Waiting for server response (TTFB)', cls: 'wait' },
  { key: 'receive', label: 'Content download', cls: 'receive' },
];

/** The phases that happened, each with where it begins (ms after the request's start). SSL lies at the end of the connection. */
export function phases(t: Timing): { key: keyof Timing; label: string; cls: string; from: number; ms: number }[] {
  const out: { key: keyof Timing; label: string; cls: string; from: number; ms: number }[] = [];
  let at = 0;
  for (const p of PHASES) {
    const v = t[p.key];
    if (v < 0) continue;
    if (p.key === 'ssl') {
      out.push({ ...p, from: Math.max(0, at - v), ms: v });
      continue;
    }
    out.push({ ...p, from: at, ms: v });
    at += v;
  }
  return out;
}
