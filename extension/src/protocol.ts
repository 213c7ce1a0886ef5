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
  /** The target's URL when the record was made. */
  url: string;
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

export interface InitializeParams {
  processId?: number;
  clientInfo?: ClientInfo;
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
  items: NetworkRequest[];
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
  items: ConsoleMessage[];
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
  [Method.CdpSend]: [CDPSendParams, unknown];
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
