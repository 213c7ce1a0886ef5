// The bdg-rpc protocol of docs/PROTOCOL.md, as TypeScript types. They follow
// the Go types of rpc/protocol/*.go field for field. The names of methods
// and notifications, and the error codes, come from names.ts, generated
// from the Go tables (go generate ./rpc/protocol); Methods and
// Notifications below must key exactly the methods and notifications it
// lists, or this file does not compile.

import {
  ErrorCodes,
  Method,
  Notification,
  type BackendMethod,
  type ClientNotification,
  type ErrorKind,
  type WorkerMethod,
} from './names';

export { ErrorCodes, Method, Notification };
export type { BackendMethod, ClientNotification, ErrorKind, WorkerMethod };

// ---- Errors (errors.go) ----

/**
 * The data of every error bdg-rpc sends: kind for programs, hint for
 * people; on already_running, the session that runs or watches the tab.
 */
export interface ErrorData {
  kind?: string;
  hint?: string;
  session?: string;
}

// ---- Records (records.go) ----

export type ConsoleLevel = 'debug' | 'log' | 'info' | 'warning' | 'error';
export type ConsoleSource = 'console' | 'exception' | 'browser';

export interface ConsoleMessage {
  seq: number;
  level: ConsoleLevel;
  source: ConsoleSource;
  type: string;
  text: string;
  timestamp: number;
  url?: string;
  line?: number;
  column?: number;
  stack?: string;
  navigationId: number;
  /** The target of the page that logged it (the page, an iframe, a worker...). */
  target?: TargetRef;
  /** The frame that logged it, where a frame did (not in workers). */
  frameId?: string;
  /** A field was cut to its cap; originalSizes names those cut. */
  truncated?: boolean;
  originalSizes?: OriginalSizes;
  /** The arguments that are objects, with their remote ids (object/properties). */
  objects?: ConsoleObject[];
}

/** An argument of a console call that is an object: its remote id, what it is, its preview. */
export interface ConsoleObject {
  index: number;
  objectId: string;
  type: string;
  subtype?: string;
  className?: string;
  text: string;
}

/**
 * The kinds of target of a page: `page` is the watched page (and its
 * same-process iframes, told apart by frameId). See "Targets" in
 * docs/PROTOCOL.md.
 */
export type TargetType = 'page' | 'iframe' | 'worker' | 'shared_worker' | 'service_worker' | 'popup';

/** Which target of the watched page a record came from. */
export interface TargetRef {
  id: string;
  type: TargetType;
  /** The target's URL when the record was made (a brief record's target has none). */
  url?: string;
  /** The target that made it (a worker's page, a popup's opener). */
  parentId?: string;
}

/**
 * The fields of a record cut to their caps, with their sizes before (bytes;
 * hops for redirects). See "Bounds and drops" in docs/PROTOCOL.md.
 */
export interface OriginalSizes {
  url?: number;
  method?: number;
  text?: number;
  stack?: number;
  requestHeaders?: number;
  requestBody?: number;
  statusText?: number;
  mimeType?: number;
  responseHeaders?: number;
  errorText?: number;
  redirects?: number;
}

export type RequestState = 'pending' | 'responded' | 'finished' | 'failed';

/** Header names to values, as Chrome reported them. */
export type Headers = Record<string, unknown>;

export interface Redirect {
  url: string;
  status: number;
  statusText?: string;
  responseHeaders?: Headers;
  timestamp: number;
  truncated?: boolean;
  originalSizes?: OriginalSizes;
}

/** A request's time in phases, as HAR's timings split it: ms, -1 for a phase that did not happen (receive: until it ended). */
export interface Timing {
  blocked: number;
  dns: number;
  /** Includes ssl. */
  connect: number;
  ssl: number;
  send: number;
  /** Until the response's headers: the time to first byte. */
  wait: number;
  receive: number;
}

export interface NetworkRequest {
  seq: number;
  requestId: string;
  url: string;
  method: string;
  resourceType?: string;
  timestamp: number;
  navigationId: number;
  /** The target that sent it. */
  target?: TargetRef;
  /** The frame that sent it (none for a worker's requests). */
  frameId?: string;
  /** What made it: the parser, a script (where), a preload... */
  initiator?: Initiator;
  state: RequestState;
  requestHeaders?: Headers;
  /** The post data: network/get and network/list only, never in events. */
  requestBody?: string;
  /** The post data's size as Chrome sent it, in every event. */
  requestBodySize?: number;
  status?: number;
  statusText?: string;
  mimeType?: string;
  responseHeaders?: Headers;
  protocol?: string;
  remoteAddress?: string;
  fromCache?: boolean;
  /** A service worker answered it (it is still the page's request). */
  fromServiceWorker?: boolean;
  encodedDataLength?: number;
  duration?: number;
  /** Where its time went, in phases (ms; -1: did not happen); none for a request served from the memory cache. */
  timing?: Timing;
  errorText?: string;
  canceled?: boolean;
  responseBody?: string;
  base64Encoded?: boolean;
  bodySize?: number;
  bodyOmitted?: 'not-text' | 'too-large' | 'unavailable' | 'over-budget';
  redirects?: Redirect[];
  /** A WebSocket's newest frames: network/get with body only. */
  frames?: WebSocketFrame[];
  /** An EventSource's newest messages: network/get with body only. */
  messages?: EventSourceMessage[];
  truncated?: boolean;
  originalSizes?: OriginalSizes;
}

/** The resourceType of a WebSocket, and of an EventSource. */
export const RESOURCE_WEBSOCKET = 'WebSocket';
export const RESOURCE_EVENTSOURCE = 'EventSource';

/** A message a WebSocket sent or received. */
export interface WebSocketFrame {
  seq: number;
  /** The socket's request id. */
  requestId: string;
  direction: 'sent' | 'received';
  /** 1 text, 2 binary. */
  opcode: number;
  /** The text of a text frame, the base64 of a binary one (base64), cut to the text cap (truncated). */
  payload: string;
  base64?: boolean;
  /** The message's size in bytes, before either. */
  size: number;
  timestamp: number;
  truncated?: boolean;
  target?: TargetRef;
}

/** A message an EventSource received. */
export interface EventSourceMessage {
  seq: number;
  /** The EventSource's request id. */
  requestId: string;
  eventName: string;
  eventId?: string;
  data: string;
  timestamp: number;
  truncated?: boolean;
  target?: TargetRef;
}

export interface Navigation {
  id: number;
  url: string;
  timestamp: number;
  truncated?: boolean;
  originalSizes?: OriginalSizes;
}

export interface Target {
  id?: string;
  url: string;
  title: string;
}

export interface Chrome {
  pid?: number;
  version?: string;
  launched: boolean;
  headless: boolean;
}

export interface Counts {
  network: number;
  console: number;
  bodies?: number;
  filtered?: number;
  /** Records kept with a field cut to its cap (dropped only). */
  truncated?: number;
  /** WebSocket frames and EventSource messages let go of (dropped only). */
  frames?: number;
  /** Targets of the page not followed: too many at once (dropped only). */
  targets?: number;
  /** Bytes of page data let go of (dropped only). */
  bytes?: number;
}

/** Marks an answer read from a file because the worker was not there. */
export interface Stale {
  stale?: boolean;
  dataAgeMs?: number;
  source?: string;
  /** Why, when a worker runs but did not answer in time. */
  staleReason?: string;
}

// ---- Lifecycle (params.go) ----

export interface ClientInfo {
  name?: string;
  version?: string;
}

/** The version of docs/PROTOCOL.md this client speaks: initialize refuses another major version. */
export const PROTOCOL_VERSION = '1';

export interface InitializeParams {
  processId?: number;
  clientInfo?: ClientInfo;
  /** The protocol version the client speaks; a backend of another major version refuses it, with a hint. */
  protocolVersion?: string;
}

export interface InitializeResult {
  serverInfo: { name: string; version: string };
  protocolVersion: string;
  capabilities: { methods: string[]; notifications: string[] };
}

// ---- Sessions (params.go) ----

export type SessionState = 'starting' | 'running' | 'stopping' | 'ended' | 'stale';

export interface StartParams {
  /** The page to open; optional when attaching (with attach, it opens a new tab on it). */
  url?: string;
  session?: string;
  headless?: boolean;
  /**
   * Watch a running Chrome instead of launching one: its endpoint (a port,
   * host:port, an http:// or ws:// URL, a user-data directory or its
   * DevToolsActivePort file). browserURL and wsURL are its older aliases.
   */
  attach?: string;
  /** Find the running Chrome by its DevToolsActivePort in the usual profiles. */
  autoConnect?: boolean;
  /** Which tab: target id (or a prefix), index, URL/title substring or glob. */
  tab?: string;
  /** Open a tab for the session (at url, else about:blank). */
  newTab?: boolean;
  /** Reload the attached tab once capture is on. */
  reload?: boolean;
  browserURL?: string;
  wsURL?: string;
  chromePath?: string;
  maxBodyBytes?: number;
  /** Override the bounds on what is kept, by name (docs/PROTOCOL.md). */
  limits?: Limits;
  includeAll?: boolean;
  noRedact?: boolean;
  timeoutSeconds?: number;
}

/** session/start's limits: bytes or counts, 0 or absent for the default. */
export interface Limits {
  requests?: number;
  console?: number;
  networkBytes?: number;
  consoleBytes?: number;
  journalBytes?: number;
  bodyBudget?: number;
  url?: number;
  text?: number;
  stack?: number;
  stackFrames?: number;
  frameURL?: number;
  header?: number;
  headers?: number;
  headersBytes?: number;
  postData?: number;
  redirects?: number;
  field?: number;
}

export interface StartResult {
  session: string;
  pid: number;
  socketPath: string;
  chrome: Chrome;
  target: Target;
  /** This run of the session: pass it with since to session/attach. */
  epoch: string;
  /** How a session attached to a running Chrome (absent when it launched one). */
  attach?: AttachInfo;
}

/**
 * Where the capture of an attached tab starts: `attach` (what the tab did
 * before is absent), `reload` (reloaded once capture was on), `load` (a new
 * tab, captured from its first load).
 */
export type CaptureFrom = 'attach' | 'reload' | 'load';

/** StartResult's attach: how a session attached to a running Chrome. */
export interface AttachInfo {
  /** As given, or the DevToolsActivePort auto-connect found. */
  endpoint: string;
  /** How the browser's websocket was found. */
  via: string;
  /** Why this tab: id, index, match, active, first, new, page. */
  picked: string;
  /** How many tabs the browser had. */
  tabs: number;
  captureFrom: CaptureFrom;
}

export interface SessionParams {
  session?: string;
}

/** session/stop: closeTab closes an attached session's tab (default: left open). */
export interface StopParams extends SessionParams {
  closeTab?: boolean;
}

/**
 * Events after since first (default: only new ones). epoch is the run since
 * belongs to: from another run, the events are replayed from the start
 * (reset in the result).
 */
export interface AttachParams extends SessionParams {
  since?: number;
  epoch?: string;
}

export interface StatusResult extends Stale {
  session: string;
  state: SessionState;
  pid?: number;
  startTime?: string;
  uptimeMs?: number;
  target: Target;
  chrome: Chrome;
  counts: Counts;
  dropped: Counts;
  /** Targets of the page followed now, by type (page, iframe, worker...). */
  targets?: Record<string, number>;
  /** Targets that went, by type. */
  targetsEnded?: Record<string, number>;
  lastSeq: number;
  navigationId: number;
  socketPath?: string;
  outputPath?: string;
  /** Clients receiving the events (rpc/protocol/params.go; not yet in docs/PROTOCOL.md). */
  subscribers?: number;
  /** This run of the session; an answer from the files has none. */
  epoch?: string;
}

export interface AttachResult {
  status: StatusResult;
  oldestSeq: number;
  /** This run of the session. */
  epoch: string;
  /**
   * The epoch asked for was another run's: the session was started again
   * since, its seqs start again at 1 and its events are replayed from the
   * start.
   */
  reset?: boolean;
}

export interface ListResult {
  sessions: StatusResult[];
}

export interface StopResult {
  session: string;
  outputPath: string;
  durationMs: number;
  counts: Counts;
  dropped: Counts;
}

// ---- Queries (params.go) ----

export interface PeekParams extends SessionParams {
  last?: number;
  kinds?: Array<'network' | 'console'>;
}

export interface PeekResult extends Stale {
  network: NetworkRequest[];
  console: ConsoleMessage[];
  counts: Counts;
  dropped: Counts;
  lastSeq: number;
}

/** Selects and pages console/list and network/list (ListParams). */
export interface ListParams extends SessionParams {
  filter?: string;
  types?: string[];
  /** Milliseconds since the Unix epoch: since inclusive, until exclusive. */
  since?: number;
  until?: number;
  navigation?: number;
  /** A target id, or a type: page, iframe, worker, shared_worker, service_worker, popup. */
  target?: string;
  /** Default 1000; 0: all. */
  limit?: number;
  /** An answer's nextCursor, as it is. */
  cursor?: string;
  order?: 'asc' | 'desc';
  /** Each record without its bulk (stack, objects, headers, bodies...): what a list's line shows. */
  brief?: boolean;
  /** 'lines': the page as text, one line per record (the result's `lines`), instead of items. */
  format?: 'items' | 'lines';
  /** The older form: the newest `last` after skipping `offset`, oldest first. */
  last?: number;
  offset?: number;
}

/** What a list answer holds and what is left (ListPage). */
export interface ListPage extends Stale {
  total: number;
  matched: number;
  returned: number;
  /** Records the session dropped within the list's scope. */
  dropped: number;
  nextCursor?: string;
}

export interface NetworkListParams extends ListParams {
  bodies?: boolean;
}

export interface NetworkListResult extends ListPage {
  /** Empty with format 'lines'. */
  items: NetworkRequest[];
  /** With format 'lines': one line per record, each ending with a newline. */
  lines?: string;
}

export interface NetworkGetParams extends SessionParams {
  requestId: string;
  body?: boolean;
  /** Write the response body to a file (0600) and give its path. */
  bodyFile?: boolean;
}

export interface NetworkGetResult extends Stale {
  request: NetworkRequest;
  /** With bodyFile, the path of the file holding the response body. */
  bodyFile?: string;
}

export interface ConsoleListParams extends ListParams {
  levels?: ConsoleLevel[];
}

export interface ConsoleListResult extends ListPage {
  /** Empty with format 'lines'. */
  items: ConsoleMessage[];
  /** With format 'lines': one line per record, each ending with a newline. */
  lines?: string;
}

export interface CDPSendParams extends SessionParams {
  method: string;
  params?: Record<string, unknown>;
}

// ---- Attaching to a running Chrome (params.go) ----

/** browser/tabs: give endpoint or autoConnect: true, not both. */
export interface TabsParams {
  endpoint?: string;
  autoConnect?: boolean;
}

/** One page target of a browser. */
export interface Tab {
  /** From 0, in Chrome's order (which moves as tabs are used). */
  index: number;
  /** The target id. */
  id: string;
  title: string;
  url: string;
  /** Some DevTools client is attached to it. */
  attached: boolean;
  /** The bdg-rpc session watching it. */
  session?: string;
}

export interface TabsResult {
  /** As given, or the profile auto-connect found. */
  endpoint: string;
  via: string;
  version?: string;
  tabs: Tab[];
}

// ---- Inspecting and driving the page (drive.go) ----

/**
 * page/evaluate: a JavaScript expression run in the page's main world (REPL
 * mode: top-level await), in one of its frames or in another target of the
 * page (at most one of frame and target).
 */
export interface EvaluateParams extends SessionParams {
  expression: string;
  /** Wait for a promise the expression gives and answer what it settles to. */
  awaitPromise?: boolean;
  /** Absent: JSON when the value has it, else a preview; false: the preview only; true: JSON or an error. */
  returnByValue?: boolean;
  /** A frame id of the page, as console messages carry it. */
  frame?: string;
  /** A target id of the page (an out-of-process iframe, a worker). */
  target?: string;
}

/** What an evaluated expression threw: a result of page/evaluate, not an error. */
export interface EvaluateException {
  /** DevTools' first line: "Uncaught Error: boom", "Uncaught (in promise) 42". */
  text: string;
  /** One frame a line ("    at f (URL:1:2)"). */
  stack?: string;
  url?: string;
  /** 1-based. */
  line?: number;
  /** 1-based. */
  column?: number;
}

/** Why an object has no value: a node, a function, a cyclic object; over 1 MiB of JSON; returnByValue false. */
export type ValueOmitted = 'not serializable' | 'too large' | 'not asked';

export interface EvaluateResult {
  /** JavaScript's: string, number, boolean, undefined, bigint, symbol, function, object. */
  type: string;
  /** Refines an object: null, array, node, error, promise, map, set, date, regexp... */
  subtype?: string;
  className?: string;
  /** The value as JSON, when it has JSON (absent for undefined). */
  value?: unknown;
  /** The value on one line as the DevTools console shows it. */
  text: string;
  valueOmitted?: ValueOmitted;
  exception?: EvaluateException;
}

/** What a navigation waits for: the new document committed, DOMContentLoaded, load (the default), or networkidle. */
export type WaitUntil = 'commit' | 'domcontentloaded' | 'load' | 'networkidle';

/** What every navigation method takes: what to wait for, and for how long (default 30,000 ms). */
export interface WaitParams {
  waitUntil?: WaitUntil;
  timeout?: number;
}

export interface NavigateParams extends SessionParams, WaitParams {
  /** What session/start takes as a URL. */
  url: string;
}

export interface ReloadParams extends SessionParams, WaitParams {
  ignoreCache?: boolean;
}

/** page/back and page/forward. */
export interface HistoryParams extends SessionParams, WaitParams {}

/** What the navigation methods answer once the page reached waitUntil. */
export interface NavigateResult {
  /** The navigation's id, which the records made during it carry. */
  navigationId: number;
  /** The page's URL. */
  url: string;
  /**
   * What was awaited (a WaitUntil), sameDocument for a navigation within
   * the document, backForwardCache for a page restored from that cache.
   */
  waitedFor: WaitUntil | 'sameDocument' | 'backForwardCache';
}

/** A rectangle of the page, in CSS pixels. */
export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export type ScreenshotFormat = 'png' | 'jpeg' | 'webp';

/** page/screenshot: the viewport, or the whole page, one element or a rectangle (at most one of the three). */
export interface ScreenshotParams extends SessionParams {
  /** png (the default), jpeg, webp. */
  format?: ScreenshotFormat;
  /** 0-100, for jpeg and webp. */
  quality?: number;
  fullPage?: boolean;
  selector?: string;
  clip?: Rect;
}

/** What page/screenshot answers: the file it wrote in the session's directory (0600), never the image. */
export interface ScreenshotResult {
  path: string;
  format: ScreenshotFormat;
  /** Bytes. */
  size: number;
  /** Pixels of the image. */
  width: number;
  height: number;
}

/** dom/query: the elements a CSS selector matches in the page, or in one of its frames. */
export interface DOMQueryParams extends SessionParams {
  selector: string;
  /** Every match (up to 1,000), not the first. */
  all?: boolean;
  frame?: string;
}

/** An element as dom/query describes it. */
export interface DOMNode {
  tag: string;
  id?: string;
  classes?: string[];
  attributes?: Record<string, string>;
  /** Its innerText, trimmed and cut; textLength the length before the cut (UTF-16 units). */
  text: string;
  textLength: number;
  /** Cut; outerHTMLLength the length before. */
  outerHTML: string;
  outerHTMLLength: number;
  /** Its border box in page coordinates (CSS pixels). */
  box: Rect;
  /** It has a size, and neither it nor an ancestor is hidden. */
  visible: boolean;
}

export interface DOMQueryResult {
  nodes: DOMNode[];
  total: number;
  returned: number;
}

// ---- Input, waiting and emulation (drive.go) ----

/**
 * The element an input method acts on: a CSS selector's first match, in
 * the page or one of its frames; or the uid dom/snapshot gave it.
 */
export interface ElementParams {
  selector?: string;
  uid?: number;
  frame?: string;
}

/** dom/snapshot: a page of the accessibility tree's lines. */
export interface SnapshotParams extends SessionParams {
  offset?: number;
  /** Lines; default 2,000. */
  limit?: number;
}

/** The accessibility tree as indented text, a line a node: `uid=N role "name" value="..." state...`. */
export interface SnapshotResult {
  text: string;
  lines: number;
  /** Lines in the whole tree (at most 100,000). */
  total: number;
  offset: number;
  nextOffset?: number;
  /** The tree had more than 100,000 lines. */
  cut?: boolean;
}

/** input/click. */
export interface ClickParams extends SessionParams, ElementParams {
  /** left (the default), middle, right. */
  button?: 'left' | 'middle' | 'right';
  /** 1 (the default) to 3; 2 for a double click. */
  clickCount?: number;
}

/** input/hover. */
export interface HoverParams extends SessionParams, ElementParams {}

/** input/fill: the new value of an input, a textarea, a select or a contenteditable element, typed in. */
export interface FillParams extends SessionParams, ElementParams {
  value: string;
}

/** input/press: a key pressed in whatever has the focus. */
export interface PressParams extends SessionParams {
  /** As KeyboardEvent.key has it: Enter, Tab, ArrowUp, a letter... */
  key: string;
  modifiers?: Array<'Alt' | 'Control' | 'Meta' | 'Shift'>;
}

/** What the input methods answer: the element acted on, and where. */
export interface InputResult {
  /** As DevTools names it: button#go.primary. */
  element?: string;
  /** The point clicked or hovered, in viewport CSS pixels. */
  x?: number;
  y?: number;
  /** input/fill: the element's value after. */
  value?: string;
}

/** page/waitFor: one of selector (visible with it), text and networkIdle. */
export interface WaitForParams extends SessionParams {
  selector?: string;
  visible?: boolean;
  text?: string;
  networkIdle?: boolean;
  /** Default 30,000. */
  timeout?: number;
}

export interface WaitForResult {
  waitedMs: number;
}

/** An emulated screen; width 0 goes back to the real one. */
export interface Viewport {
  width: number;
  height: number;
  /** Default 1. */
  deviceScaleFactor?: number;
  mobile?: boolean;
}

export type NetworkCondition = 'offline' | 'slow-3g' | 'fast-3g' | 'none';

/** page/emulate: what is absent stays; "" and 0 go back to the real thing. */
export interface EmulateParams extends SessionParams {
  viewport?: Viewport;
  userAgent?: string;
  colorScheme?: 'light' | 'dark' | 'no-preference' | '';
  network?: NetworkCondition;
  /** A slowdown factor: 4 is four times slower; 1 (or 0) is none. */
  cpuThrottling?: number;
}

/** What page/emulate answers: the emulation now in force. */
export interface EmulateResult {
  viewport?: Viewport;
  userAgent?: string;
  colorScheme?: string;
  network: NetworkCondition;
  cpuThrottling: number;
}

/** A place in a script of the page, 1-based, as records give it (source/resolve). */
export interface SourceRef {
  url: string;
  line: number;
  column?: number;
}

/** source/resolve: one place (url, line, column) or several (locations). */
export interface SourceResolveParams {
  session?: string;
  url?: string;
  line?: number;
  column?: number;
  locations?: SourceRef[];
}

/** A place in an original source, as the script's source map names it. */
export interface OriginalLocation {
  source: string;
  line: number;
  column: number;
  name?: string;
}

/** One place's answer: its original, or why it has none. */
export interface SourceResolution {
  original?: OriginalLocation;
  map?: string;
  reason?: string;
}

/** What source/resolve answers: one resolution, or results for locations. */
export interface SourceResolveResult extends SourceResolution {
  results?: SourceResolution[];
}

/** object/properties: the properties of an object a console message logged. */
export interface ObjectPropertiesParams {
  session?: string;
  objectId: string;
  /** The target that holds it (a record's target.id); absent: the page. */
  target?: string;
}

/** A property: its name, what its value is, the value on one line; an object value has its own id. */
export interface ObjectProperty {
  name: string;
  type: string;
  subtype?: string;
  className?: string;
  text: string;
  objectId?: string;
}

export interface ObjectPropertiesResult {
  properties: ObjectProperty[];
  cut?: boolean;
}

/** What made a request (NetworkRequest.initiator). */
export interface Initiator {
  type: string;
  url?: string;
  line?: number;
  column?: number;
}

/** Every request method of the backend: its params and result. */
export interface Methods {
  [Method.Initialize]: [InitializeParams, InitializeResult];
  [Method.Shutdown]: [undefined, null];
  [Method.SessionStart]: [StartParams, StartResult];
  [Method.SessionAttach]: [AttachParams, AttachResult];
  [Method.SessionStop]: [StopParams, StopResult];
  [Method.SessionStatus]: [SessionParams, StatusResult];
  [Method.SessionList]: [undefined, ListResult];
  [Method.SessionPeek]: [PeekParams, PeekResult];
  [Method.NetworkList]: [NetworkListParams, NetworkListResult];
  [Method.NetworkGet]: [NetworkGetParams, NetworkGetResult];
  [Method.ConsoleList]: [ConsoleListParams, ConsoleListResult];
  [Method.BrowserTabs]: [TabsParams, TabsResult];
  [Method.PageEvaluate]: [EvaluateParams, EvaluateResult];
  [Method.PageNavigate]: [NavigateParams, NavigateResult];
  [Method.PageReload]: [ReloadParams, NavigateResult];
  [Method.PageBack]: [HistoryParams, NavigateResult];
  [Method.PageForward]: [HistoryParams, NavigateResult];
  [Method.PageScreenshot]: [ScreenshotParams, ScreenshotResult];
  [Method.DomQuery]: [DOMQueryParams, DOMQueryResult];
  [Method.DomSnapshot]: [SnapshotParams, SnapshotResult];
  [Method.InputClick]: [ClickParams, InputResult];
  [Method.InputFill]: [FillParams, InputResult];
  [Method.InputPress]: [PressParams, InputResult];
  [Method.InputHover]: [HoverParams, InputResult];
  [Method.PageWaitFor]: [WaitForParams, WaitForResult];
  [Method.PageEmulate]: [EmulateParams, EmulateResult];
  [Method.CdpSend]: [CDPSendParams, unknown];
  [Method.SourceResolve]: [SourceResolveParams, SourceResolveResult];
  [Method.ObjectProperties]: [ObjectPropertiesParams, ObjectPropertiesResult];
}

export type ParamsOf<M extends BackendMethod> = Methods[M][0];
export type ResultOf<M extends BackendMethod> = Methods[M][1];

// ---- Notifications (params.go) ----

export interface ConsoleEvent {
  session: string;
  seq: number;
  message: ConsoleMessage;
}

export interface NetworkEvent {
  session: string;
  seq: number;
  request: NetworkRequest;
}

export interface NavigatedEvent {
  session: string;
  seq: number;
  navigation: Navigation;
}

export interface WebSocketFrameEvent {
  session: string;
  seq: number;
  frame: WebSocketFrame;
}

export interface EventSourceEvent {
  session: string;
  seq: number;
  message: EventSourceMessage;
}

/** Why a target went. */
export type TargetGoneReason = 'destroyed' | 'crashed' | 'detached';

/** target/attached, and target/detached (with reason). */
export interface TargetEvent {
  session: string;
  seq: number;
  target: TargetRef;
  reason?: TargetGoneReason;
}

export type EndReason =
  | 'stopped'
  | 'signal'
  | 'timeout'
  | 'chrome_exited'
  | 'page_closed'
  | 'page_crashed'
  | 'worker_died'
  | 'error';

export interface EndedEvent {
  session: string;
  seq: number;
  reason: EndReason;
  outputPath?: string;
  error?: string;
}

export interface DroppedEvent {
  session: string;
  count: number;
  fromSeq: number;
  toSeq: number;
}

export interface ProgressParams {
  token: string;
  session: string;
  kind: 'begin' | 'report' | 'end';
  title?: string;
  message?: string;
}

/** Every notification a client receives: its params. */
export interface Notifications {
  [Notification.ConsoleMessage]: ConsoleEvent;
  [Notification.NetworkRequest]: NetworkEvent;
  [Notification.NetworkResponse]: NetworkEvent;
  [Notification.NetworkFinished]: NetworkEvent;
  [Notification.NetworkFailed]: NetworkEvent;
  [Notification.NetworkWebsocket]: NetworkEvent;
  [Notification.WebsocketFrame]: WebSocketFrameEvent;
  [Notification.EventsourceMessage]: EventSourceEvent;
  [Notification.PageNavigated]: NavigatedEvent;
  [Notification.TargetAttached]: TargetEvent;
  [Notification.TargetDetached]: TargetEvent;
  [Notification.SessionEnded]: EndedEvent;
  [Notification.EventsDropped]: DroppedEvent;
  [Notification.Progress]: ProgressParams;
}

export type NotificationMethod = keyof Notifications;

// ---- Checks against the generated table ----

/** true when A and B are the same union; else what each lacks of the other. */
type Same<A, B> = [A] extends [B]
  ? [B] extends [A]
    ? true
    : { missing: Exclude<B, A>; extra: Exclude<A, B> }
  : { missing: Exclude<B, A>; extra: Exclude<A, B> };
type Assert<T extends true> = T;

/**
 * Compile-time checks: Methods types exactly the backend's methods of the Go
 * table, and Notifications exactly the notifications a client receives. A
 * method added there, or removed, breaks `npm run typecheck` here, naming it
 * (as missing: in the table, not here; extra: here, not in the table).
 */
export type MethodsFollowTheTable = Assert<Same<keyof Methods, BackendMethod>>;
export type NotificationsFollowTheTable = Assert<Same<keyof Notifications, ClientNotification>>;

type NetworkNotification =
  | typeof Notification.NetworkRequest
  | typeof Notification.NetworkResponse
  | typeof Notification.NetworkFinished
  | typeof Notification.NetworkFailed
  | typeof Notification.NetworkWebsocket;

/** A session event: a notification with a seq, tagged with its method. */
export type SessionEvent =
  | { method: typeof Notification.ConsoleMessage; params: ConsoleEvent }
  | { method: NetworkNotification; params: NetworkEvent }
  | { method: typeof Notification.WebsocketFrame; params: WebSocketFrameEvent }
  | { method: typeof Notification.EventsourceMessage; params: EventSourceEvent }
  | { method: typeof Notification.PageNavigated; params: NavigatedEvent }
  | { method: typeof Notification.TargetAttached | typeof Notification.TargetDetached; params: TargetEvent }
  | { method: typeof Notification.SessionEnded; params: EndedEvent };

export const sessionEventMethods: ReadonlySet<string> = new Set<SessionEvent['method']>([
  Notification.ConsoleMessage,
  Notification.NetworkRequest,
  Notification.NetworkResponse,
  Notification.NetworkFinished,
  Notification.NetworkFailed,
  Notification.NetworkWebsocket,
  Notification.WebsocketFrame,
  Notification.EventsourceMessage,
  Notification.PageNavigated,
  Notification.TargetAttached,
  Notification.TargetDetached,
  Notification.SessionEnded,
]);

export const DEFAULT_SESSION = 'default';
