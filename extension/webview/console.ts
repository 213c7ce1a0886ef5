// The Console panel's webview: the session's console messages with level
// icons, a level filter and a search, repeats grouped (a count beside the
// first), stacks that open on a click with each frame at its original
// source (source/resolve) and opening it; evaluated expressions with their
// values, objects and arrays expandable, and an input line at the bottom
// that evaluates in the page, with a history (up and down). At most
// MAX_SHOWN groups are in the DOM: the newest that match.

import { parseStack, placeKey, type ConsoleRow, type FromConsole, type Place, type ToConsole } from '../src/panels/consoleRows';
import type { EvaluateResult, ObjectPropertiesResult } from '../src/protocol';
import { el } from './dom';

declare function acquireVsCodeApi(): {
  postMessage(m: FromConsole): void;
  getState(): unknown;
  setState(s: unknown): void;
};
const vscode = acquireVsCodeApi();

const MAX_KEPT = 10_000;
const MAX_SHOWN = 1_000;
const HISTORY = 100;
const LEVELS = ['error', 'warning', 'info', 'log', 'debug'] as const;
const LEVEL_TITLES: Record<string, string> = { error: 'Errors', warning: 'Warnings', info: 'Info', log: 'Logs', debug: 'Verbose' };
const ICONS: Record<string, string> = { error: '⊗', warning: '⚠', info: 'ℹ', log: ' ', debug: '·' };

/** An entry of the list: a message, or an evaluation and its answer. */
type Entry =
  | { kind: 'message'; row: ConsoleRow }
  | { kind: 'eval'; id: number; expression: string; afterSeq: number; result?: EvaluateResult; error?: string };

let entries: Entry[] = [];
let messageCount = 0; // the messages among entries
let lastSeq = 0;
let running = false;
const levelsOn = new Set<string>(LEVELS);
let search = '';
const expanded = new Set<string>(); // keys of the entries opened
const resolved = new Map<string, string | null>(); // place key -> its original, shown; null: none
let toResolve = new Map<string, Place>(); // places shown, not asked yet
const properties = new Map<string, { result?: ObjectPropertiesResult; error?: string }>(); // object id -> its properties, once asked
let nextEval = 1;
const state = (vscode.getState() as { history?: string[] } | undefined) ?? {};
const history: string[] = state.history ?? [];
let historyAt = history.length;

// ---- Layout ----

const app = document.getElementById('app') as HTMLElement;
const toolbar = el('div', 'toolbar');
const levelBar = el('div', 'levels');
for (const l of LEVELS) {
  const b = el('button', 'level on', LEVEL_TITLES[l]);
  b.dataset.level = l;
  b.setAttribute('aria-pressed', 'true');
  b.addEventListener('click', () => {
    if (levelsOn.has(l)) levelsOn.delete(l);
    else levelsOn.add(l);
    b.classList.toggle('on', levelsOn.has(l));
    b.setAttribute('aria-pressed', String(levelsOn.has(l)));
    render();
  });
  levelBar.append(b);
}
const searchBox = el('input', 'search');
searchBox.id = 'search';
searchBox.type = 'search';
searchBox.placeholder = 'Search the messages';
searchBox.addEventListener('input', () => {
  search = searchBox.value.toLowerCase();
  render();
});
const count = el('span', 'count');
toolbar.append(searchBox, levelBar, count);
const list = el('div', 'list');
list.setAttribute('role', 'log');
const prompt = el('div', 'prompt');
const caret = el('span', 'caret', '›');
const input = el('input', 'input');
input.id = 'evaluate';
input.type = 'text';
input.spellcheck = false;
input.placeholder = 'Evaluate in the page (Enter; ↑ ↓ history)';
prompt.append(caret, input);
app.append(toolbar, list, prompt);

/**
 * Makes head open and close the entry key (a click, Enter or Space) and
 * draws again; onOpen runs as it opens.
 */
function expander(head: HTMLElement, key: string, onOpen?: () => void): void {
  head.classList.add('expandable');
  head.tabIndex = 0;
  const toggle = (e: Event): void => {
    e.stopPropagation();
    if (expanded.has(key)) expanded.delete(key);
    else {
      expanded.add(key);
      onOpen?.();
    }
    render();
  };
  head.addEventListener('click', toggle);
  head.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      toggle(e);
    }
  });
}

// ---- Values (evaluations): expandable JSON ----

function preview(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `Array(${v.length})`;
  if (typeof v === 'object') return '{…}';
  return JSON.stringify(v);
}

function valueNode(name: string | undefined, v: unknown, text: string | undefined, key: string): HTMLElement {
  const box = el('div', 'value');
  const head = el('div', 'value-head');
  const expandable = v !== null && typeof v === 'object' && Object.keys(v as object).length > 0;
  const open = expanded.has(key);
  const twisty = el('span', 'twisty', expandable ? (open ? '▾' : '▸') : '');
  head.append(twisty);
  if (name !== undefined) head.append(el('span', 'prop', `${name}: `));
  head.append(el('span', `v ${v === null ? 'null' : typeof v}`, text ?? preview(v)));
  box.append(head);
  if (expandable) {
    expander(head, key);
    if (open) {
      const kids = el('div', 'children');
      const obj = v as Record<string, unknown>;
      const keys = Object.keys(obj);
      for (const k of keys.slice(0, 500)) kids.append(valueNode(k, obj[k], undefined, `${key}.${k}`));
      if (keys.length > 500) kids.append(el('div', 'more', `… ${keys.length - 500} more`));
      box.append(kids);
    }
  }
  return box;
}

// ---- Objects the page logged: their properties, asked when expanded ----

function objectNode(name: string | undefined, text: string, objectId: string, target: string | undefined): HTMLElement {
  const key = `o:${objectId}`;
  const box = el('div', 'value object');
  box.dataset.objectId = objectId;
  const head = el('div', 'value-head');
  const open = expanded.has(key);
  head.append(el('span', 'twisty', open ? '▾' : '▸'));
  if (name !== undefined) head.append(el('span', 'prop', `${name}: `));
  head.append(el('span', 'v object', text));
  expander(head, key, () => {
    if (!properties.has(key)) {
      properties.set(key, {});
      vscode.postMessage({ type: 'properties', key, objectId, ...(target ? { target } : {}) });
    }
  });
  box.append(head);
  if (open) {
    const kids = el('div', 'children');
    const got = properties.get(key);
    if (!got || (!got.result && !got.error)) kids.append(el('div', 'more', '…'));
    else if (got.error) kids.append(el('div', 'gone', got.error));
    else if (got.result) {
      for (const p of got.result.properties) {
        if (p.objectId) kids.append(objectNode(p.name, p.text, p.objectId, target));
        else {
          const line = el('div', 'value-head');
          line.append(el('span', 'twisty', ''), el('span', 'prop', `${p.name}: `), el('span', `v ${p.type}`, p.text));
          kids.append(line);
        }
      }
      if (got.result.cut) kids.append(el('div', 'more', '… more properties than are shown'));
    }
    box.append(kids);
  }
  return box;
}

// ---- Places and stacks ----

function placeLink(place: Place, shown: string, cls: string): HTMLElement {
  const a = el('a', cls, shown);
  a.href = '#';
  a.title = `${place.url}:${place.line}:${place.column ?? 1}`;
  a.addEventListener('click', (e) => {
    e.preventDefault();
    e.stopPropagation();
    vscode.postMessage({ type: 'open', place });
  });
  return a;
}

function shortPlace(p: Place): string {
  let name = p.url;
  try {
    name = new URL(p.url).pathname.split('/').pop() || p.url;
  } catch {
    // not a URL
  }
  return `${name}:${p.line}`;
}

/** The original of a place, shown, if known; asks for it once (sent after the render). */
function original(p: Place): string | undefined {
  const k = placeKey(p);
  const o = resolved.get(k);
  if (o === undefined && !toResolve.has(k)) toResolve.set(k, p);
  return o ?? undefined;
}

function messageNode(row: ConsoleRow, repeats: number): HTMLElement {
  const key = `m${row.seq}`;
  const node = el('div', `entry message ${row.level}`);
  node.dataset.seq = String(row.seq);
  const head = el('div', 'head');
  head.append(el('span', 'icon', ICONS[row.level] ?? ' '));
  if (repeats > 1) head.append(el('span', 'repeat', String(repeats)));
  const text = el('span', 'text', (row.targetTag ? `[${row.targetTag}] ` : '') + (row.text.split('\n')[0] ?? ''));
  head.append(text);
  const frames = row.stack ? parseStack(row.stack) : [];
  const own: Place | undefined = row.url && row.line ? { url: row.url, line: row.line, ...(row.column ? { column: row.column } : {}) } : undefined;
  if (own) head.append(placeLink(own, original(own) ?? shortPlace(own), 'place'));
  node.append(head);
  const more = row.text.includes('\n') || frames.length > 0 || (row.objects?.length ?? 0) > 0;
  if (more) {
    expander(head, key);
    if (expanded.has(key)) {
      const body = el('div', 'body');
      for (const o of row.objects ?? []) body.append(objectNode(undefined, o.text, o.objectId, row.targetId));
      const rest = row.text.split('\n').slice(1).join('\n');
      if (rest) body.append(el('pre', 'rest', rest));
      for (const f of frames) {
        const line = el('div', 'frame');
        if (f.place) {
          line.append(el('span', '', `at ${f.name} (`), placeLink(f.place, original(f.place) ?? placeKey(f.place), 'frame-place'), el('span', '', ')'));
        } else line.textContent = f.text.trim();
        body.append(line);
      }
      node.append(body);
    }
  }
  return node;
}

function evalNode(e: Extract<Entry, { kind: 'eval' }>): HTMLElement {
  const node = el('div', 'entry eval');
  node.dataset.eval = String(e.id);
  node.append(el('div', 'expression', `› ${e.expression}`));
  const answer = el('div', 'answer');
  if (e.error) {
    answer.classList.add('error');
    answer.textContent = e.error;
  } else if (!e.result) {
    answer.textContent = '…';
  } else if (e.result.exception) {
    answer.classList.add('error');
    answer.append(el('div', '', e.result.exception.text));
    if (e.result.exception.stack) {
      for (const f of parseStack(e.result.exception.stack)) {
        const line = el('div', 'frame');
        if (f.place) line.append(el('span', '', `at ${f.name} (`), placeLink(f.place, `${f.place.url}:${f.place.line}:${f.place.column ?? 1}`, 'frame-place'), el('span', '', ')'));
        else line.textContent = f.text.trim();
        answer.append(line);
      }
    }
  } else {
    answer.append(valueNode(undefined, e.result.value, e.result.text, `e${e.id}`));
  }
  node.append(answer);
  return node;
}

// ---- Rendering ----

function matches(row: ConsoleRow): boolean {
  return levelsOn.has(row.level) && (search === '' || row.text.toLowerCase().includes(search) || (row.url ?? '').toLowerCase().includes(search));
}

let scheduled = false;
function render(): void {
  if (scheduled) return;
  scheduled = true;
  requestAnimationFrame(() => {
    scheduled = false;
    const atBottom = list.scrollTop + list.clientHeight >= list.scrollHeight - 30;
    // Groups: a message and the repeats that follow it (same level, text and place).
    const groups: { entry: Entry; repeats: number }[] = [];
    let shownMessages = 0;
    for (const e of entries) {
      if (e.kind === 'eval') {
        groups.push({ entry: e, repeats: 1 });
        continue;
      }
      if (!matches(e.row)) continue;
      shownMessages++;
      const prev = groups[groups.length - 1];
      if (prev && prev.entry.kind === 'message') {
        const p = prev.entry.row;
        const r = e.row;
        if (p.level === r.level && p.text === r.text && p.url === r.url && p.line === r.line && p.column === r.column && p.stack === r.stack) {
          prev.repeats++;
          continue;
        }
      }
      groups.push({ entry: e, repeats: 1 });
    }
    const shown = groups.slice(-MAX_SHOWN);
    const nodes: HTMLElement[] = [];
    if (groups.length > shown.length) nodes.push(el('div', 'older', `${groups.length - shown.length} older entries are not shown: search or filter to find them.`));
    for (const g of shown) nodes.push(g.entry.kind === 'eval' ? evalNode(g.entry) : messageNode(g.entry.row, g.repeats));
    list.replaceChildren(...nodes);
    if (toResolve.size > 0) {
      vscode.postMessage({ type: 'resolve', places: [...toResolve.values()] });
      for (const k of toResolve.keys()) resolved.set(k, null); // asked: not again
      toResolve = new Map();
    }
    count.textContent = `${shownMessages} / ${messageCount} messages`;
    if (atBottom) list.scrollTop = list.scrollHeight;
  });
}

function append(rows: ConsoleRow[]): void {
  for (const r of rows) {
    entries.push({ kind: 'message', row: r });
    lastSeq = Math.max(lastSeq, r.seq);
  }
  messageCount += rows.length;
  if (messageCount > MAX_KEPT) {
    let drop = messageCount - MAX_KEPT;
    entries = entries.filter((e) => e.kind !== 'message' || drop-- <= 0);
    messageCount = MAX_KEPT;
  }
  render();
}

// ---- The input line ----

input.addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && input.value.trim() !== '') {
    const expression = input.value;
    if (history[history.length - 1] !== expression) history.push(expression);
    if (history.length > HISTORY) history.splice(0, history.length - HISTORY);
    historyAt = history.length;
    vscode.setState({ history });
    const id = nextEval++;
    entries.push({ kind: 'eval', id, expression, afterSeq: lastSeq });
    input.value = '';
    list.scrollTop = list.scrollHeight;
    vscode.postMessage({ type: 'evaluate', id, expression });
    render();
  } else if (e.key === 'ArrowUp' && historyAt > 0) {
    e.preventDefault();
    input.value = history[--historyAt] ?? '';
  } else if (e.key === 'ArrowDown') {
    e.preventDefault();
    historyAt = Math.min(history.length, historyAt + 1);
    input.value = history[historyAt] ?? '';
  }
});

function setRunning(on: boolean): void {
  running = on;
  input.disabled = !running;
  input.placeholder = running ? 'Evaluate in the page (Enter; ↑ ↓ history)' : 'No running session: start or attach to one to evaluate';
}

// ---- Messages from the extension ----

window.addEventListener('message', (e: MessageEvent<ToConsole>) => {
  const m = e.data;
  switch (m.type) {
    case 'reset':
      entries = [];
      messageCount = 0;
      lastSeq = 0;
      expanded.clear();
      resolved.clear();
      properties.clear();
      setRunning(m.running);
      append(m.rows);
      break;
    case 'append':
      append(m.rows);
      break;
    case 'state':
      setRunning(m.running);
      break;
    case 'evaluated': {
      const entry = entries.find((x) => x.kind === 'eval' && x.id === m.id);
      if (entry && entry.kind === 'eval') {
        if (m.result) entry.result = m.result;
        if (m.error) entry.error = m.error;
        render();
      }
      break;
    }
    case 'properties':
      properties.set(m.key, m.result ? { result: m.result } : { error: m.error ?? 'unknown error' });
      render();
      break;
    case 'resolved':
      for (const [k, shown] of m.places) resolved.set(k, shown);
      render();
      break;
  }
});

setRunning(false);
vscode.postMessage({ type: 'ready' });
