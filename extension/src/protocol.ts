// The bdg-rpc protocol of docs/PROTOCOL.md, as TypeScript types. They follow
// the Go types of rpc/protocol/*.go field for field; this is the only file
// that names methods, notifications and fields.

// ---- JSON-RPC 2.0 ----

export type Id = number | string;

export interface ErrorData {
  kind?: string;
  hint?: string;
}

export interface ResponseError {
  code: number;
  message: string;
  data?: ErrorData;
}

export interface RequestMessage {
  jsonrpc: '2.0';
  id: Id;
  method: string;
  params?: unknown;
}

export interface NotificationMessage {
  jsonrpc: '2.0';
  method: string;
  params?: unknown;
}

export interface ResponseMessage {
  jsonrpc: '2.0';
  id: Id | null;
  result?: unknown;
  error?: ResponseError;
}

export type Message = RequestMessage | NotificationMessage | ResponseMessage;

// Standard and bdg-rpc error codes (rpc/protocol/errors.go).
export const ErrorCodes = {
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  InternalError: -32603,
  ServerNotInitialized: -32002,
  RequestCancelled: -32800,
  AlreadyRunning: -32001,
  NoSession: -32003,
  NotFound: -32004,
  ChromeNotFound: -32010,
  ChromeLaunchFailed: -32011,
  CDPTimeout: -32012,
  CDPError: -32013,
  SessionFile: -32020,
  InvalidURL: -32021,
  InvalidArgs: -32022,
} as const;

export type ErrorKind =
  | 'already_running'
  | 'no_session'
  | 'not_found'
  | 'chrome_not_found'
  | 'chrome_launch_failed'
  | 'cdp_timeout'
  | 'cdp_error'
  | 'session_file'
  | 'invalid_url'
  | 'invalid_args';

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
}

export interface NetworkRequest {
  seq: number;
  requestId: string;
  url: string;
  method: string;
  resourceType?: string;
  timestamp: number;
  navigationId: number;
  state: RequestState;
  requestHeaders?: Headers;
  requestBody?: string;
  status?: number;
  statusText?: string;
  mimeType?: string;
  responseHeaders?: Headers;
  protocol?: string;
  remoteAddress?: string;
  fromCache?: boolean;
  encodedDataLength?: number;
  duration?: number;
  errorText?: string;
  canceled?: boolean;
  responseBody?: string;
  base64Encoded?: boolean;
  bodySize?: number;
  bodyOmitted?: 'not-text' | 'too-large' | 'unavailable' | 'over-budget';
  redirects?: Redirect[];
}

export interface Navigation {
  id: number;
  url: string;
  timestamp: number;
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
}

/** Marks an answer read from a file because the worker was not there. */
export interface Stale {
  stale?: boolean;
  dataAgeMs?: number;
  source?: string;
}

// ---- Lifecycle (serve.go) ----

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

// ---- Sessions ----

export type SessionState = 'starting' | 'running' | 'stopping' | 'ended' | 'stale';

export interface StartParams {
  url: string;
  session?: string;
  headless?: boolean;
  browserURL?: string;
  wsURL?: string;
  chromePath?: string;
  maxBodyBytes?: number;
  includeAll?: boolean;
  timeoutSeconds?: number;
}

export interface StartResult {
  session: string;
  pid: number;
  socketPath: string;
  chrome: Chrome;
  target: Target;
}

export interface SessionParams {
  session?: string;
}

export interface AttachParams extends SessionParams {
  since?: number;
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
  lastSeq: number;
  navigationId: number;
  socketPath?: string;
  outputPath?: string;
  /** Clients receiving the events (rpc/protocol/methods.go; not yet in docs/PROTOCOL.md). */
  subscribers?: number;
}

export interface AttachResult {
  status: StatusResult;
  oldestSeq: number;
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

// ---- Queries ----

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

export interface NetworkListParams extends SessionParams {
  last?: number;
  offset?: number;
  filter?: string;
}

export interface NetworkListResult extends Stale {
  requests: NetworkRequest[];
  total: number;
}

export interface NetworkGetParams extends SessionParams {
  requestId: string;
  body?: boolean;
}

export interface NetworkGetResult extends Stale {
  request: NetworkRequest;
}

export interface ConsoleListParams extends SessionParams {
  last?: number;
  offset?: number;
  levels?: ConsoleLevel[];
}

export interface ConsoleListResult extends Stale {
  messages: ConsoleMessage[];
  total: number;
}

export interface CDPSendParams extends SessionParams {
  method: string;
  params?: Record<string, unknown>;
}

/** Every request method of the backend: its params and result. */
export interface Methods {
  initialize: [InitializeParams, InitializeResult];
  shutdown: [undefined, null];
  'session/start': [StartParams, StartResult];
  'session/attach': [AttachParams, AttachResult];
  'session/stop': [SessionParams, StopResult];
  'session/status': [SessionParams, StatusResult];
  'session/list': [undefined, ListResult];
  'session/peek': [PeekParams, PeekResult];
  'network/list': [NetworkListParams, NetworkListResult];
  'network/get': [NetworkGetParams, NetworkGetResult];
  'console/list': [ConsoleListParams, ConsoleListResult];
  'cdp/send': [CDPSendParams, unknown];
}

export type Method = keyof Methods;
export type ParamsOf<M extends Method> = Methods[M][0];
export type ResultOf<M extends Method> = Methods[M][1];

// ---- Notifications ----

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
  'console/message': ConsoleEvent;
  'network/request': NetworkEvent;
  'network/response': NetworkEvent;
  'network/finished': NetworkEvent;
  'network/failed': NetworkEvent;
  'page/navigated': NavigatedEvent;
  'session/ended': EndedEvent;
  'events/dropped': DroppedEvent;
  '$/progress': ProgressParams;
}

export type NotificationMethod = keyof Notifications;

/** A session event: a notification with a seq, tagged with its method. */
export type SessionEvent =
  | { method: 'console/message'; params: ConsoleEvent }
  | {
      method: 'network/request' | 'network/response' | 'network/finished' | 'network/failed';
      params: NetworkEvent;
    }
  | { method: 'page/navigated'; params: NavigatedEvent }
  | { method: 'session/ended'; params: EndedEvent };

export const sessionEventMethods: ReadonlySet<string> = new Set<SessionEvent['method']>([
  'console/message',
  'network/request',
  'network/response',
  'network/finished',
  'network/failed',
  'page/navigated',
  'session/ended',
]);

export const DEFAULT_SESSION = 'default';
