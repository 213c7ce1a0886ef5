// The Network panel's webview: a virtualized table of the session's
// requests (only the rows in sight are in the DOM, so 10,000 rows scroll
// as smoothly as 10), sortable by any column, filtered by the filter
// language of network/list (netfilter.ts, errors shown inline) and by type
// chips, with a waterfall; a row opens its details (Headers, Payload,
// Response, Timing, Initiator); a right click offers the copies and the
// HAR export. The extension (src/panels/networkPanel.ts) sends the rows
// and answers the details. Keyboard: up and down move the selection,
// Enter opens it, Escape closes the details or the menu.

import { FilterError, parseFilter, type Filter } from '../src/panels/netfilter';
import { el } from './dom';
import { chipOf, phases, TYPE_CHIPS, type FromWebview, type PanelDetails, type PanelRow, type ToWebview, type TypeChip } from '../src/panels/rows';

declare function acquireVsCodeApi(): { postMessage(m: FromWebview): void };
const vscode = acquireVsCodeApi();

const ROW_HEIGHT = 22;

type SortKey = 'name' | 'status' | 'method' | 'type' | 'initiator' | 'size' | 'time' | 'waterfall';
const COLUMNS: { key: SortKey; title: string }[] = [
  { key: 'name', title: 'Name' },
  { key: 'status', title: 'Status' },
  { key: 'method', title: 'Method' },
  { key: 'type', title: 'Type' },
  { key: 'initiator', title: 'Initiator' },
  { key: 'size', title: 'Size' },
  { key: 'time', title: 'Time' },
  { key: 'waterfall', title: 'Waterfall' },
];

const rows = new Map<string, PanelRow>();
const arrival: string[] = []; // ids, oldest first
let view: PanelRow[] = []; // filtered and sorted
let filter: Filter = () => true;
let chip: TypeChip = 'All';
let sortKey: SortKey | undefined;
let sortDesc = false;
let selected: string | undefined;
let detailsOf: string | undefined;
let detailsTab = 'headers';
let lastDetails: PanelDetails | undefined;

// ---- Layout ----

const app = document.getElementById('app') as HTMLElement;
const toolbar = el('div', 'toolbar');
const filterBox = el('input', 'filter');
filterBox.id = 'filter';
filterBox.type = 'text';
filterBox.placeholder = 'Filter: status-code:>=400 method:POST mime:json -domain:*.cdn.com api';
filterBox.spellcheck = false;
const filterError = el('div', 'filter-error');
filterError.setAttribute('role', 'alert');
const chips = el('div', 'chips');
for (const c of TYPE_CHIPS) {
  const b = el('button', 'chip', c);
  b.dataset.chip = c;
  b.addEventListener('click', () => {
    chip = c;
    for (const other of chips.querySelectorAll('.chip')) other.classList.toggle('on', (other as HTMLElement).dataset.chip === c);
    refresh();
  });
  if (c === 'All') b.classList.add('on');
  chips.append(b);
}
const count = el('span', 'count');
const harButton = el('button', 'har', 'Save HAR');
harButton.title = 'Save every request of the session as HAR 1.2';
harButton.addEventListener('click', () => vscode.postMessage({ type: 'saveHar' }));
toolbar.append(filterBox, chips, count, harButton);

const main = el('div', 'main');
const tableWrap = el('div', 'table');
const header = el('div', 'header');
for (const c of COLUMNS) {
  const h = el('div', `col ${c.key}`, c.title);
  h.dataset.key = c.key;
  h.tabIndex = 0;
  h.setAttribute('role', 'columnheader');
  const sort = (): void => {
    if (sortKey === c.key) sortDesc = !sortDesc;
    else {
      sortKey = c.key;
      sortDesc = c.key === 'size' || c.key === 'time';
    }
    for (const o of header.querySelectorAll('.col')) o.removeAttribute('aria-sort');
    h.setAttribute('aria-sort', sortDesc ? 'descending' : 'ascending');
    refresh();
  };
  h.addEventListener('click', sort);
  h.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' || e.key === ' ') sort();
  });
  header.append(h);
}
const scroller = el('div', 'scroller');
scroller.tabIndex = 0;
scroller.setAttribute('role', 'grid');
const spacer = el('div', 'spacer');
const body = el('div', 'body');
scroller.append(spacer, body);
tableWrap.append(header, scroller);
const details = el('div', 'details');
details.hidden = true;
main.append(tableWrap, details);
app.append(toolbar, filterError, main);

const menu = el('div', 'menu');
menu.hidden = true;
menu.setAttribute('role', 'menu');
const MENU: { action: string; label: string }[] = [
  { action: 'url', label: 'Copy URL' },
  { action: 'curl', label: 'Copy as cURL' },
  { action: 'fetch', label: 'Copy as fetch' },
  { action: 'response', label: 'Copy response' },
  { action: 'har', label: 'Save all as HAR…' },
];
let menuFor: string | undefined;
for (const m of MENU) {
  const item = el('div', 'item', m.label);
  item.dataset.action = m.action;
  item.setAttribute('role', 'menuitem');
  item.addEventListener('click', () => {
    menu.hidden = true;
    if (m.action === 'har') vscode.postMessage({ type: 'saveHar' });
    else if (menuFor) vscode.postMessage({ type: 'copy', id: menuFor, what: m.action as 'url' | 'curl' | 'fetch' | 'response' });
  });
  menu.append(item);
}
document.body.append(menu);
document.addEventListener('click', (e) => {
  if (!menu.contains(e.target as Node)) menu.hidden = true;
});

// ---- Filtering, sorting ----

filterBox.addEventListener('input', () => {
  try {
    filter = parseFilter(filterBox.value);
    filterError.textContent = '';
    filterBox.classList.remove('invalid');
  } catch (e) {
    filterError.textContent = e instanceof FilterError ? e.message.split('\n')[0] ?? '' : String(e);
    filterBox.classList.add('invalid');
    return; // the table keeps the last valid filter
  }
  refresh();
});

function sortValue(r: PanelRow, key: SortKey): string | number {
  switch (key) {
    case 'name':
      return r.name.toLowerCase();
    case 'status':
      return r.status ?? (r.state === 'failed' ? -1 : 0);
    case 'method':
      return r.method;
    case 'type':
      return r.resourceType ?? '';
    case 'initiator':
      return r.initiator;
    case 'size':
      return Math.max(r.encodedDataLength ?? 0, r.bodySize ?? 0);
    case 'time':
      return r.duration ?? -1;
    case 'waterfall':
      return r.start;
  }
}

let scheduled = false;
function refresh(): void {
  if (scheduled) return;
  scheduled = true;
  requestAnimationFrame(() => {
    scheduled = false;
    view = [];
    for (const id of arrival) {
      const r = rows.get(id);
      if (r && (chip === 'All' || chipOf(r.resourceType) === chip) && filter(r)) view.push(r);
    }
    if (sortKey) {
      const key = sortKey;
      const dir = sortDesc ? -1 : 1;
      view.sort((a, b) => {
        const x = sortValue(a, key);
        const y = sortValue(b, key);
        return x < y ? -dir : x > y ? dir : 0;
      });
    }
    // As DevTools' summary: what is shown, what is held, what is still under way, what came over the wire.
    let pending = 0;
    let transferred = 0;
    for (const r of rows.values()) {
      if (r.state === 'pending' || r.state === 'responded') pending++;
      transferred += r.encodedDataLength ?? 0;
    }
    count.textContent =
      `${view.length} / ${rows.size} requests` + (pending ? ` · ${pending} pending` : '') + (transferred ? ` · ${formatBytes(transferred)} transferred` : '');
    spacer.style.height = `${view.length * ROW_HEIGHT}px`;
    timeline = span();
    draw();
  });
}

// ---- Drawing (only the rows in sight) ----

function formatBytes(n: number | undefined): string {
  if (n === undefined) return '';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} kB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

function formatMs(ms: number | undefined): string {
  if (ms === undefined) return 'pending';
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

/** A phase's time, finer than a row's: "0.42 ms", "12.3 ms", "1.20 s". */
function phaseMs(ms: number): string {
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  return ms < 10 ? `${ms.toFixed(2)} ms` : `${ms.toFixed(1)} ms`;
}

function statusClass(r: PanelRow): string {
  if (r.state === 'failed' || (r.status ?? 0) >= 400) return 'bad';
  if (r.state === 'pending' || r.state === 'responded') return 'pending';
  return '';
}

/** The waterfall's extent: from the first start to the last end of the rows shown (made in refresh, read by each draw). */
let timeline = { start: 0, end: 1 };

function span(): { start: number; end: number } {
  let start = Infinity;
  let end = -Infinity;
  for (const r of view) {
    start = Math.min(start, r.start);
    end = Math.max(end, r.start + (r.duration ?? 0));
  }
  return { start, end: Math.max(end, start + 1) };
}

function draw(): void {
  const first = Math.max(0, Math.floor(scroller.scrollTop / ROW_HEIGHT) - 5);
  const last = Math.min(view.length, Math.ceil((scroller.scrollTop + scroller.clientHeight) / ROW_HEIGHT) + 5);
  const { start, end } = timeline;
  body.style.transform = `translateY(${first * ROW_HEIGHT}px)`;
  body.replaceChildren();
  for (let i = first; i < last; i++) {
    const r = view[i] as PanelRow;
    const row = el('div', `row ${statusClass(r)}`);
    row.dataset.id = r.id;
    row.setAttribute('role', 'row');
    if (r.id === selected) row.classList.add('selected');
    const name = el('div', 'cell name', r.targetTag ? `[${r.targetTag}] ${r.name}` : r.name);
    name.title = r.url;
    const status = el('div', 'cell status', r.state === 'failed' ? '(failed)' : r.status !== undefined ? String(r.status) : '(pending)');
    if (r.errorText) status.title = r.errorText;
    else if (r.statusText) status.title = r.statusText;
    const wf = el('div', 'cell waterfall');
    const bar = el('div', 'bar');
    bar.style.left = `${((r.start - start) / (end - start)) * 100}%`;
    bar.style.width = `${Math.max(((r.duration ?? 0) / (end - start)) * 100, 0.5)}%`;
    if (r.headersAt !== undefined && r.duration) {
      // Waiting (light) until the headers, then the download (solid), as DevTools draws it.
      const recv = el('div', 'recv');
      recv.style.left = `${Math.min(r.headersAt / r.duration, 1) * 100}%`;
      bar.classList.add('split');
      bar.append(recv);
    }
    wf.append(bar);
    row.append(
      name,
      status,
      el('div', 'cell method', r.method),
      el('div', 'cell type', r.resourceType ?? ''),
      el('div', 'cell initiator', r.initiator),
      el('div', 'cell size', r.fromCache ? '(cache)' : formatBytes(r.encodedDataLength)),
      el('div', 'cell time', r.state === 'failed' ? formatMs(r.duration ?? 0) : formatMs(r.duration)),
      wf,
    );
    row.addEventListener('click', () => select(r.id, true));
    row.addEventListener('contextmenu', (e) => {
      e.preventDefault();
      select(r.id, false);
      menuFor = r.id;
      menu.hidden = false;
      menu.style.left = `${Math.min(e.clientX, window.innerWidth - 180)}px`;
      menu.style.top = `${Math.min(e.clientY, window.innerHeight - 130)}px`;
    });
    body.append(row);
  }
}

scroller.addEventListener('scroll', () => draw());
new ResizeObserver(() => draw()).observe(scroller);

/** Shows or hides the details pane; while it shows, the table has only its Name column (as DevTools). */
function showPane(on: boolean): void {
  details.hidden = !on;
  main.classList.toggle('with-details', on);
  if (!on) detailsOf = undefined;
  draw();
}

function select(id: string, open: boolean): void {
  selected = id;
  draw();
  if (open) {
    detailsOf = id;
    showPane(true);
    details.replaceChildren(el('div', 'loading', 'Loading…'));
    vscode.postMessage({ type: 'select', id });
  }
}

scroller.addEventListener('keydown', (e) => {
  const i = view.findIndex((r) => r.id === selected);
  if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
    e.preventDefault();
    const next = view[Math.min(view.length - 1, Math.max(0, i + (e.key === 'ArrowDown' ? 1 : -1)))];
    if (!next) return;
    select(next.id, false);
    const top = view.indexOf(next) * ROW_HEIGHT;
    if (top < scroller.scrollTop) scroller.scrollTop = top;
    else if (top + ROW_HEIGHT > scroller.scrollTop + scroller.clientHeight) scroller.scrollTop = top + ROW_HEIGHT - scroller.clientHeight;
  } else if (e.key === 'Enter' && selected) {
    select(selected, true);
  }
});
document.addEventListener('keydown', (e) => {
  if (e.key !== 'Escape') return;
  if (!menu.hidden) menu.hidden = true;
  else showPane(false);
});

// ---- Details ----

function headerTable(title: string, headers: Record<string, unknown> | undefined): HTMLElement {
  const section = el('section');
  section.append(el('h3', '', title));
  const t = el('table', 'kv');
  for (const [k, v] of Object.entries(headers ?? {}).sort(([a], [b]) => a.localeCompare(b))) {
    const tr = el('tr');
    tr.append(el('th', '', k), el('td', '', String(v)));
    t.append(tr);
  }
  section.append(t);
  return section;
}

function hexDump(bytes: Uint8Array, max = 4096): string {
  const lines: string[] = [];
  for (let i = 0; i < Math.min(bytes.length, max); i += 16) {
    const chunk = Array.from(bytes.slice(i, i + 16));
    const hex = chunk.map((b) => b.toString(16).padStart(2, '0')).join(' ');
    const text = chunk.map((b) => (b >= 32 && b < 127 ? String.fromCharCode(b) : '.')).join('');
    lines.push(`${i.toString(16).padStart(8, '0')}  ${hex.padEnd(48)}  ${text}`);
  }
  if (bytes.length > max) lines.push(`… ${bytes.length - max} more bytes`);
  return lines.join('\n');
}

function responseView(d: PanelDetails): HTMLElement {
  const r = d.request;
  if (r.responseBody === undefined) {
    return el('div', 'empty', r.bodyOmitted ? `No body kept: ${r.bodyOmitted}.` : 'No response body.');
  }
  const mime = (r.mimeType ?? '').toLowerCase();
  if (r.base64Encoded && mime.startsWith('image/')) {
    const img = el('img', 'image');
    img.src = `data:${mime};base64,${r.responseBody}`;
    img.alt = r.url;
    return img;
  }
  if (r.base64Encoded) {
    const bin = atob(r.responseBody);
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    return el('pre', 'response hex', hexDump(bytes));
  }
  if (mime.includes('json') || /^\s*[[{]/.test(r.responseBody)) {
    try {
      return el('pre', 'response json', JSON.stringify(JSON.parse(r.responseBody), null, 2));
    } catch {
      // not JSON after all: as text
    }
  }
  return el('pre', 'response', r.responseBody);
}

function payloadView(d: PanelDetails): HTMLElement {
  const r = d.request;
  const box = el('div');
  try {
    const params = [...new URL(r.url).searchParams];
    if (params.length > 0) {
      box.append(el('h3', '', 'Query string'));
      const t = el('table', 'kv');
      for (const [k, v] of params) {
        const tr = el('tr');
        tr.append(el('th', '', k), el('td', '', v));
        t.append(tr);
      }
      box.append(t);
    }
  } catch {
    // a URL without a query
  }
  if (r.requestBody !== undefined) {
    box.append(el('h3', '', 'Request body'));
    let text = r.requestBody;
    try {
      text = JSON.stringify(JSON.parse(text), null, 2);
    } catch {
      // not JSON: as it is
    }
    box.append(el('pre', 'payload', text));
  }
  if (box.childElementCount === 0) box.append(el('div', 'empty', 'No payload: no query string and no request body.'));
  return box;
}

function timingView(d: PanelDetails): HTMLElement {
  const r = d.request;
  const box = el('div');
  const t = el('table', 'kv');
  const add = (k: string, v: string): void => {
    const tr = el('tr');
    tr.append(el('th', '', k), el('td', '', v));
    t.append(tr);
  };
  add('Started', new Date(r.timestamp).toISOString());
  add('Total', r.duration !== undefined ? formatMs(r.duration) : 'still pending');
  add('Transferred', formatBytes(r.encodedDataLength) || '—');
  if (r.bodySize !== undefined) add('Body (decoded)', formatBytes(r.bodySize));
  if (r.protocol) add('Protocol', r.protocol);
  if (r.remoteAddress) add('Remote address', r.remoteAddress);
  if (r.fromCache) add('Cache', 'served from the cache');
  box.append(t);
  if (!r.timing) {
    box.append(el('div', 'empty', r.fromCache ? 'No phases: served from the cache.' : 'No phases: Chrome gave no timing for this request.'));
    return box;
  }
  const list = phases(r.timing);
  const total = Math.max(1, r.duration ?? 0, ...list.map((p) => p.from + p.ms));
  const table = el('table', 'phases');
  table.setAttribute('aria-label', 'Timing phases');
  for (const p of list) {
    const tr = el('tr');
    tr.dataset.phase = p.key;
    const lane = el('td', 'lane');
    const bar = el('div', `phase ${p.cls}`);
    bar.style.left = `${(p.from / total) * 100}%`;
    bar.style.width = `${Math.max((p.ms / total) * 100, 0.3)}%`;
    lane.append(bar);
    tr.append(el('th', '', p.label), lane, el('td', 'ms', phaseMs(p.ms)));
    table.append(tr);
  }
  if (r.timing.receive < 0) {
    const tr = el('tr');
    tr.append(el('th', '', 'Content download'), el('td', 'lane'), el('td', 'ms', 'under way'));
    table.append(tr);
  }
  box.append(el('h3', '', 'Phases'), table);
  return box;
}

function initiatorView(d: PanelDetails): HTMLElement {
  const i = d.request.initiator;
  const box = el('div');
  if (!i) {
    box.append(el('div', 'empty', 'Chrome did not say what made this request.'));
    return box;
  }
  const t = el('table', 'kv');
  const add = (k: string, v: string | HTMLElement): void => {
    const tr = el('tr');
    const td = el('td');
    td.append(v);
    tr.append(el('th', '', k), td);
    t.append(tr);
  };
  add('Type', i.type);
  if (i.url) add('Script', i.line ? `${i.url}:${i.line}:${i.column ?? 1}` : i.url);
  if (d.initiatorOriginal) {
    const a = el('a', 'open-initiator', d.initiatorOriginal.display);
    a.href = '#';
    a.title = 'Open the original source at this line';
    a.addEventListener('click', (e) => {
      e.preventDefault();
      vscode.postMessage({ type: 'openInitiator', id: d.request.requestId });
    });
    add('Source', a);
  } else if (i.url && i.line) {
    const a = el('a', 'open-initiator', 'open');
    a.href = '#';
    a.addEventListener('click', (e) => {
      e.preventDefault();
      vscode.postMessage({ type: 'openInitiator', id: d.request.requestId });
    });
    add('Source', a);
  }
  box.append(t);
  return box;
}

const TABS: { id: string; title: string; render: (d: PanelDetails) => HTMLElement }[] = [
  {
    id: 'headers',
    title: 'Headers',
    render: (d) => {
      const r = d.request;
      const box = el('div');
      const general: Record<string, unknown> = { 'Request URL': r.url, 'Request Method': r.method };
      if (r.status !== undefined) general['Status Code'] = `${r.status} ${r.statusText ?? ''}`.trim();
      if (r.errorText) general.Error = r.errorText;
      if (r.remoteAddress) general['Remote Address'] = r.remoteAddress;
      box.append(headerTable('General', general), headerTable('Response Headers', r.responseHeaders), headerTable('Request Headers', r.requestHeaders));
      return box;
    },
  },
  { id: 'payload', title: 'Payload', render: payloadView },
  { id: 'response', title: 'Response', render: responseView },
  { id: 'timing', title: 'Timing', render: timingView },
  { id: 'initiator', title: 'Initiator', render: initiatorView },
];

function showDetails(d: PanelDetails): void {
  lastDetails = d;
  const head = el('div', 'details-head');
  const close = el('button', 'close', '×');
  close.title = 'Close (Escape)';
  close.addEventListener('click', () => showPane(false));
  const tabs = el('div', 'tabs');
  tabs.setAttribute('role', 'tablist');
  for (const t of TABS) {
    const b = el('button', `tab${t.id === detailsTab ? ' on' : ''}`, t.title);
    b.dataset.tab = t.id;
    b.setAttribute('role', 'tab');
    b.addEventListener('click', () => {
      detailsTab = t.id;
      if (lastDetails) showDetails(lastDetails);
    });
    tabs.append(b);
  }
  head.append(close, tabs);
  const content = el('div', 'tab-content');
  content.dataset.tab = detailsTab;
  content.append((TABS.find((t) => t.id === detailsTab) ?? (TABS[0] as (typeof TABS)[number])).render(d));
  details.replaceChildren(head, content);
}

// ---- Messages from the extension ----

window.addEventListener('message', (e: MessageEvent<ToWebview>) => {
  const m = e.data;
  switch (m.type) {
    case 'reset':
      rows.clear();
      arrival.length = 0;
      // Oldest first, as DevTools lists them (the model keeps the newest first).
      for (const r of [...m.rows].sort((a, b) => a.start - b.start)) {
        rows.set(r.id, r);
        arrival.push(r.id);
      }
      if (selected && !rows.has(selected)) selected = undefined;
      refresh();
      break;
    case 'remove': {
      for (const id of m.ids) rows.delete(id);
      let n = 0;
      for (const id of arrival) if (rows.has(id)) arrival[n++] = id;
      arrival.length = n;
      if (selected && !rows.has(selected)) selected = undefined;
      refresh();
      break;
    }
    case 'upsert':
      for (const r of m.rows) {
        if (!rows.has(r.id)) arrival.push(r.id);
        rows.set(r.id, r);
      }
      refresh();
      break;
    case 'details':
      if (m.id !== detailsOf) return;
      if (m.details) showDetails(m.details);
      else details.replaceChildren(el('div', 'empty', `Could not load the request: ${m.error ?? 'unknown error'}`));
      break;
  }
});

vscode.postMessage({ type: 'ready' });
