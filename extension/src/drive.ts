// BDG: Evaluate…, Reload Page, Navigate… and Take Screenshot: page/evaluate,
// page/reload, page/navigate and page/screenshot on the running session
// shown, and what the Console view shows of an evaluation: `> expression`,
// then its value (its properties, lazily, when it is a JSON object or
// array) or the exception it threw (its stack). No vscode here:
// controller.ts gives the commands what they need of VS Code (DriveHost),
// so they are unit-tested with fakes.

import { Emitter, ResponseError } from 'vscode-jsonrpc/node';
import { isRpcError } from './client';
import {
  ErrorCodes,
  Method,
  type BackendMethod,
  type ConsoleMessage,
  type ErrorData,
  type EvaluateException,
  type EvaluateParams,
  type EvaluateResult,
  type NavigateResult,
  type ParamsOf,
  type ResultOf,
  type ScreenshotResult,
} from './protocol';
import { stackLocation } from './stack';
import { formatBytes, shortUrl } from './views/format';

export { stackLocation };

/** The globalState key of the last expression evaluated (the input box's default). */
export const LAST_EXPRESSION_KEY = 'bdg.lastExpression';

/** Evaluations the Console view keeps, the newest (a value may hold 1 MiB of JSON). */
export const MAX_EVALUATIONS = 200;

/** Properties shown of one object or array; the rest are one "… N more" row. */
export const MAX_CHILDREN = 500;

// ---- The Console view's entries ----

/** An evaluation: `> expression`, and its result once page/evaluate answered. */
export interface Evaluation {
  kind: 'evaluation';
  /** "eval:N", unique for the extension's life (never a console message's id). */
  id: string;
  session: string;
  expression: string;
  /** The seq of the newest console message when it was asked: it shows above that one. */
  afterSeq: number;
  /** When it was asked (ms since the Unix epoch). */
  timestamp: number;
  /** Undefined while page/evaluate runs. */
  result?: EvaluateResult;
}

/** A property of an evaluated JSON value: an object's key, or an array's index. */
export interface PropertyNode {
  kind: 'property';
  id: string;
  key: string;
  value: unknown;
}

/** A line of the stack of an exception an expression threw. */
export interface StackNode {
  kind: 'stack';
  id: string;
  /** The frame, trimmed: "at f (http://h/app.js:3:9)". */
  text: string;
  /** Where it points, when it names a URL (line and column 1-based). */
  location?: { url: string; line: number; column: number };
}

/** The properties of a big object or array left out: "… N more". */
export interface MoreNode {
  kind: 'more';
  id: string;
  count: number;
}

/** A row of the Console view that is not a console message. */
export type EvaluationNode = Evaluation | PropertyNode | StackNode | MoreNode;

/** A row of the Console view. */
export type ConsoleRow = ConsoleMessage | EvaluationNode;

/** Whether a Console view row is an evaluation's (console messages have no kind). */
export function isEvaluationNode(row: ConsoleRow): row is EvaluationNode {
  return 'kind' in row;
}

/**
 * The evaluations of the session shown, oldest first, at most max: the
 * model holds one and empties it with its rows (another session, a new
 * run).
 */
export class EvaluationLog {
  private rows: Evaluation[] = [];
  private next = 1;
  private readonly changeEmitter = new Emitter<void>();
  /** Fired when an evaluation is added, answered or removed, or the log emptied. */
  readonly onDidChange = this.changeEmitter.event;

  constructor(readonly max = MAX_EVALUATIONS) {}

  /** Adds an evaluation of expression, waiting for its result. */
  add(session: string, expression: string, afterSeq: number, timestamp = Date.now()): Evaluation {
    const e: Evaluation = { kind: 'evaluation', id: `eval:${this.next++}`, session, expression, afterSeq, timestamp };
    this.rows.push(e);
    if (this.rows.length > this.max) this.rows.splice(0, this.rows.length - this.max);
    this.changeEmitter.fire();
    return e;
  }

  /** Gives e its result; false (and nothing done) when e is no longer in the log. */
  settle(e: Evaluation, result: EvaluateResult): boolean {
    const i = this.rows.findIndex((x) => x.id === e.id);
    if (i < 0) return false;
    this.rows[i] = { ...this.rows[i], result };
    this.changeEmitter.fire();
    return true;
  }

  /** Takes e out (its call failed: the error is shown instead). */
  remove(e: Evaluation): boolean {
    const before = this.rows.length;
    this.rows = this.rows.filter((x) => x.id !== e.id);
    if (this.rows.length === before) return false;
    this.changeEmitter.fire();
    return true;
  }

  clear(): void {
    if (this.rows.length === 0) return;
    this.rows = [];
    this.changeEmitter.fire();
  }

  /** The evaluations, newest first. */
  entries(): Evaluation[] {
    return this.rows.slice().reverse();
  }

  get size(): number {
    return this.rows.length;
  }
}

/**
 * The Console view's rows, newest first: the messages (newest first) with
 * each evaluation above the message it was asked after, as DevTools shows
 * `> expression` below what was logged before it and above what its
 * expression logs.
 */
export function consoleRows(messages: ConsoleMessage[], evaluations: Evaluation[]): ConsoleRow[] {
  if (evaluations.length === 0) return messages;
  const out: ConsoleRow[] = [];
  let i = 0;
  for (const e of evaluations) {
    while (i < messages.length && messages[i].seq > e.afterSeq) out.push(messages[i++]);
    out.push(e);
  }
  while (i < messages.length) out.push(messages[i++]);
  return out;
}

/** "> document.title": the expression's first line, cut to max characters. */
export function evaluationLabel(expression: string, max = 200): string {
  return `> ${shortExpression(expression, max)}`;
}

/** The expression's first line, cut to max characters ("a …" when there are more lines). */
export function shortExpression(expression: string, max = 60): string {
  const lines = expression.trim().split('\n');
  const first = (lines[0] ?? '').trim();
  if (first.length > max) return `${first.slice(0, max - 1)}…`;
  return lines.length > 1 ? `${first} …` : first;
}

/**
 * What an evaluation came to, on one line: the value's text, or the
 * exception's; "evaluating…" while it runs.
 */
export function evaluationText(e: Pick<Evaluation, 'result'>, max = 500): string {
  if (!e.result) return 'evaluating…';
  const text = e.result.exception ? e.result.exception.text : e.result.text;
  return oneLine(text, max);
}

/** The first line of s, cut to max characters. */
function oneLine(s: string, max: number): string {
  const first = s.split('\n', 1)[0] ?? '';
  const more = first.length < s.length;
  if (first.length > max) return `${first.slice(0, max - 1)}…`;
  return more ? `${first} …` : first;
}

/** What an evaluation's tooltip says: the expression, what it came to, and what it is. */
export function evaluationTooltip(e: Pick<Evaluation, 'expression' | 'result'>): string {
  const r = e.result;
  const lines = [`> ${e.expression}`];
  if (!r) return [...lines, 'evaluating…'].join('\n');
  if (r.exception) {
    lines.push(r.exception.text);
    if (r.exception.stack) lines.push(r.exception.stack);
    return lines.join('\n');
  }
  lines.push(`< ${r.text}`);
  const what = [r.type, r.subtype, r.className].filter(Boolean).join(' ');
  if (what) lines.push(`(${what}${r.valueOmitted ? `; no JSON value: ${r.valueOmitted}` : ''})`);
  return lines.join('\n');
}

/**
 * The codicon of a row: the exception's, the value's kind, or a spinner
 * while the evaluation runs.
 */
export function nodeIcon(node: EvaluationNode): string {
  switch (node.kind) {
    case 'evaluation':
      if (!node.result) return 'loading~spin';
      if (node.result.exception) return 'error';
      return resultIcon(node.result);
    case 'property':
      return jsonIcon(node.value);
    case 'stack':
      return 'debug-stackframe';
    case 'more':
      return 'ellipsis';
  }
}

function resultIcon(r: EvaluateResult): string {
  switch (r.type) {
    case 'string':
      return 'symbol-string';
    case 'number':
    case 'bigint':
      return 'symbol-number';
    case 'boolean':
      return 'symbol-boolean';
    case 'undefined':
      return 'symbol-null';
    case 'function':
      return 'symbol-function';
    case 'symbol':
      return 'symbol-key';
  }
  if (r.subtype === 'null') return 'symbol-null';
  if (r.subtype === 'array') return 'symbol-array';
  if (r.subtype === 'node') return 'symbol-structure';
  return 'symbol-object';
}

function jsonIcon(v: unknown): string {
  if (v === null) return 'symbol-null';
  if (Array.isArray(v)) return 'symbol-array';
  switch (typeof v) {
    case 'string':
      return 'symbol-string';
    case 'number':
      return 'symbol-number';
    case 'boolean':
      return 'symbol-boolean';
    case 'object':
      return 'symbol-object';
    default:
      return 'symbol-misc';
  }
}

/** An object or array with at least one property: a row that expands. */
export function hasProperties(v: unknown): boolean {
  if (v === null || typeof v !== 'object') return false;
  return Array.isArray(v) ? v.length > 0 : Object.keys(v).length > 0;
}

/** Whether a row expands: a value with properties, or an exception with a stack. */
export function hasChildren(node: EvaluationNode): boolean {
  switch (node.kind) {
    case 'evaluation': {
      const r = node.result;
      if (!r) return false;
      if (r.exception) return stackNodes(node.id, r.exception).length > 0;
      return hasProperties(r.value);
    }
    case 'property':
      return hasProperties(node.value);
    default:
      return false;
  }
}

/** The rows under node, made when it is expanded. */
export function nodeChildren(node: EvaluationNode, max = MAX_CHILDREN): EvaluationNode[] {
  switch (node.kind) {
    case 'evaluation': {
      const r = node.result;
      if (!r) return [];
      if (r.exception) return stackNodes(node.id, r.exception);
      return valueChildren(node.id, r.value, max);
    }
    case 'property':
      return valueChildren(node.id, node.value, max);
    default:
      return [];
  }
}

/** The properties of a JSON value (an array's by index), at most max, then "… N more". */
export function valueChildren(parentId: string, value: unknown, max = MAX_CHILDREN): Array<PropertyNode | MoreNode> {
  if (!hasProperties(value)) return [];
  const entries: Array<[string, unknown]> = Array.isArray(value)
    ? value.map((v, i) => [String(i), v])
    : Object.entries(value as Record<string, unknown>);
  const out: Array<PropertyNode | MoreNode> = entries
    .slice(0, max)
    .map(([key, v]) => ({ kind: 'property', id: `${parentId}/${encodeURIComponent(key)}`, key, value: v }));
  if (entries.length > max) out.push({ kind: 'more', id: `${parentId}/…`, count: entries.length - max });
  return out;
}

/** The frames of an exception's stack; a lone location when it has none. */
export function stackNodes(parentId: string, ex: EvaluateException): StackNode[] {
  const lines = (ex.stack ?? '')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  if (lines.length === 0 && ex.url) {
    lines.push(`at ${ex.url}${ex.line ? `:${ex.line}${ex.column ? `:${ex.column}` : ''}` : ''}`);
  }
  return lines.map((text, i) => {
    const node: StackNode = { kind: 'stack', id: `${parentId}/stack/${i}`, text };
    const location = stackLocation(text);
    if (location) node.location = location;
    return node;
  });
}


/** "key: preview": a property's label. */
export function propertyLabel(node: PropertyNode): string {
  return `${propertyKey(node.key)}: ${previewValue(node.value)}`;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

function propertyKey(key: string): string {
  return IDENTIFIER.test(key) || /^\d+$/.test(key) ? key : JSON.stringify(key);
}

/** "… 1,234 more". */
export function moreLabel(node: MoreNode): string {
  return `… ${node.count.toLocaleString('en-US')} more`;
}

/**
 * A JSON value on one line, as the DevTools console previews it: 42,
 * "text", null, (3) [1, 2, 3], {a: 1, b: Array(3), c: {…}}; cut to about
 * max characters.
 */
export function previewValue(v: unknown, max = 100): string {
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    return `(${v.length}) [${previewItems(v.map((x) => ['', x]), max)}]`;
  }
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>);
    if (entries.length === 0) return '{}';
    return `{${previewItems(entries, max)}}`;
  }
  return previewScalar(v, max);
}

function previewItems(items: Array<[string, unknown]>, max: number): string {
  let s = '';
  for (const [key, v] of items) {
    const item = `${key ? `${propertyKey(key)}: ` : ''}${previewNested(v)}`;
    const next = s ? `${s}, ${item}` : item;
    if (next.length > max) return s ? `${s}, …` : '…';
    s = next;
  }
  return s;
}

/** Inside a preview: an array is Array(n), an object {…}. */
function previewNested(v: unknown): string {
  if (Array.isArray(v)) return `Array(${v.length})`;
  if (v !== null && typeof v === 'object') return Object.keys(v).length === 0 ? '{}' : '{…}';
  return previewScalar(v, 40);
}

function previewScalar(v: unknown, max: number): string {
  if (typeof v === 'string') {
    const s = JSON.stringify(v);
    return s.length > max ? `${s.slice(0, Math.max(1, max - 2))}…"` : s;
  }
  if (v === undefined) return 'undefined';
  return String(v);
}

// ---- The calls and their answers ----

/** page/evaluate's params: the expression as typed, a promise awaited. */
export function evaluateParams(session: string, expression: string): EvaluateParams {
  return { session, expression, awaitPromise: true };
}

/** An InputBox's validateInput for an expression. */
export function validateExpression(v: string): string | undefined {
  return v.trim() === '' ? 'Enter a JavaScript expression, such as document.title' : undefined;
}

/** An InputBox's validateInput for a URL. */
export function validateUrl(v: string): string | undefined {
  return v.trim() === '' ? 'Enter a URL, such as http://localhost:3000/' : undefined;
}

const WAITED: Record<NavigateResult['waitedFor'], string> = {
  commit: 'committed',
  domcontentloaded: 'DOMContentLoaded',
  load: 'loaded',
  networkidle: 'network idle',
  sameDocument: 'within the document',
  backForwardCache: 'from the back/forward cache',
};

/** "BDG: reloaded localhost:3000/ (navigation 4, loaded)": what a navigation came to. */
export function navigationMessage(verb: 'reloaded' | 'navigated to', r: NavigateResult): string {
  const waited = WAITED[r.waitedFor] ?? r.waitedFor;
  return `BDG: ${verb} ${shortUrl(r.url)} (navigation ${r.navigationId}, ${waited})`;
}

/** "screenshot 1280×720 png, 45.1 kB: /path": a screenshot for the log. */
export function screenshotSummary(r: ScreenshotResult): string {
  return `screenshot ${r.width}×${r.height} ${r.format}, ${formatBytes(r.size)}: ${r.path}`;
}

/**
 * err as shown: a backend that does not know the method (older than the
 * extension) is told so, with what to do (the hint showError shows).
 */
export function explainError(err: unknown, method: string): unknown {
  if (!isRpcError(err) || err.code !== ErrorCodes.MethodNotFound) return err;
  return new ResponseError<ErrorData>(ErrorCodes.MethodNotFound, `this bdg-rpc has no ${method}: it is older than the extension`, {
    hint: 'update bdg-rpc (make build), or point the bdg.path setting at a newer one',
  });
}

// ---- The commands ----

/** What the commands read of the session shown (model.ts's SessionModel is one). */
export interface DriveModel {
  readonly session: string | undefined;
  readonly phase: string;
  /** Its page's URL, as last known. */
  readonly targetUrl: string | undefined;
  readonly evaluations: EvaluationLog;
  /** The seq of the newest console message shown (0: none). */
  readonly lastConsoleSeq: number;
}

/** An input box's options. */
export interface InputRequest {
  title: string;
  prompt: string;
  placeHolder?: string;
  value?: string;
  validate?: (v: string) => string | undefined;
}

/** What the commands need of VS Code and of the backend; controller.ts gives it. */
export interface DriveHost {
  call<M extends BackendMethod>(method: M, params: ParamsOf<M>): Promise<ResultOf<M>>;
  /** The globalState (the last expression). */
  readonly state: { get<T>(key: string): T | undefined; update(key: string, value: unknown): PromiseLike<void> };
  /** An input box: what was entered, or undefined when it was dismissed. */
  ask(request: InputRequest): Promise<string | undefined>;
  /** Runs task with a busy indicator saying title. */
  busy<T>(title: string, task: () => Promise<T>): Promise<T>;
  /** A message in the status bar for a few seconds. */
  status(message: string): void;
  /** An information message. */
  info(message: string): void;
  /** Shows an error with its hint and a way to session's logs (errors.ts's showError). */
  error(what: string, err: unknown, session: string): Promise<void>;
  /** Opens a local file in an editor tab. */
  openFile(path: string): Promise<void>;
  /** Brings the Console view forward. */
  revealConsole(): Promise<void>;
  /** A line in the BDG output channel. */
  log(line: string): void;
}

export const NO_RUNNING_SESSION = 'BDG: no session is running. Start or attach to one first.';

/** The four commands, on the session model shows while it runs. */
export class Drive {
  constructor(
    private readonly model: DriveModel,
    private readonly host: DriveHost,
  ) {}

  /** The session the commands drive: the one shown, while it runs. */
  private running(): string | undefined {
    const session = this.model.phase === 'running' ? this.model.session : undefined;
    if (!session) this.host.info(NO_RUNNING_SESSION);
    return session;
  }

  /**
   * BDG: Evaluate…: asks for an expression (the last one offered), shows
   * `> expression` in the Console view at once and its result when
   * page/evaluate answers. An argument is the expression (nothing asked).
   */
  async evaluate(expressionArg?: string): Promise<void> {
    const session = this.running();
    if (!session) return;
    const expression =
      expressionArg ??
      (await this.host.ask({
        title: 'BDG: Evaluate',
        prompt: `A JavaScript expression to run in the page of session ${session} (await works)`,
        placeHolder: 'document.title',
        value: this.host.state.get<string>(LAST_EXPRESSION_KEY),
        validate: validateExpression,
      }));
    if (expression === undefined || validateExpression(expression)) return;
    await this.host.state.update(LAST_EXPRESSION_KEY, expression);
    const entry = this.model.evaluations.add(session, expression, this.model.lastConsoleSeq);
    void this.host.revealConsole();
    try {
      const result = await this.host.busy(`BDG: evaluating in ${session}`, () =>
        this.host.call(Method.PageEvaluate, evaluateParams(session, expression)),
      );
      this.model.evaluations.settle(entry, result);
    } catch (err) {
      this.model.evaluations.remove(entry);
      await this.host.error(`could not evaluate ${shortExpression(expression)}`, explainError(err, Method.PageEvaluate), session);
    }
  }

  /** BDG: Reload Page: page/reload, then where the page is, in the status bar. */
  async reload(): Promise<void> {
    const session = this.running();
    if (!session) return;
    try {
      const r = await this.host.busy(`BDG: reloading the page of ${session}`, () =>
        this.host.call(Method.PageReload, { session }),
      );
      this.reportNavigation(navigationMessage('reloaded', r));
    } catch (err) {
      await this.host.error(`could not reload the page of session ${session}`, explainError(err, Method.PageReload), session);
    }
  }

  /**
   * BDG: Navigate…: asks for a URL (the page's offered), page/navigate, then
   * where the page is, in the status bar. An argument is the URL.
   */
  async navigate(urlArg?: string): Promise<void> {
    const session = this.running();
    if (!session) return;
    const url =
      urlArg ??
      (await this.host.ask({
        title: 'BDG: Navigate',
        prompt: `The page to load in the tab of session ${session}`,
        placeHolder: 'http://localhost:3000/',
        value: this.model.targetUrl,
        validate: validateUrl,
      }));
    if (url === undefined || validateUrl(url)) return;
    try {
      const r = await this.host.busy(`BDG: loading ${shortUrl(url.trim())}`, () =>
        this.host.call(Method.PageNavigate, { session, url: url.trim() }),
      );
      this.reportNavigation(navigationMessage('navigated to', r));
    } catch (err) {
      await this.host.error(`could not navigate to ${url.trim()}`, explainError(err, Method.PageNavigate), session);
    }
  }

  private reportNavigation(message: string): void {
    this.host.status(message);
    this.host.log(`[client] ${message.replace(/^BDG: /, '')}`);
  }

  /** BDG: Take Screenshot: page/screenshot, and the PNG it wrote in an editor tab. */
  async screenshot(): Promise<void> {
    const session = this.running();
    if (!session) return;
    try {
      const r = await this.host.busy(`BDG: taking a screenshot of ${session}`, () =>
        this.host.call(Method.PageScreenshot, { session }),
      );
      this.host.log(`[client] ${session}: ${screenshotSummary(r)}`);
      await this.host.openFile(r.path);
    } catch (err) {
      await this.host.error(
        `could not take a screenshot of session ${session}`,
        explainError(err, Method.PageScreenshot),
        session,
      );
    }
  }
}
