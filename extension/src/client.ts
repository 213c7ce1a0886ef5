// The client of `bdg-rpc serve`: it runs the backend, performs the
// lifecycle (initialize / initialized ... shutdown / exit), makes typed calls,
// and hands on session events in seq order, each once. The JSON-RPC is
// vscode-jsonrpc's MessageConnection (requests, notifications, cancellation
// tokens, error objects) over the newline-delimited framing of framing.ts.
//
// When the backend dies, the client starts a new one and re-attaches every
// session it follows with `since` = the last seq it saw and the epoch of the
// run that seq belongs to, so no event is lost (session workers keep running
// without a backend). A session started again meanwhile is another run,
// whose seqs start again at 1: the backend replays it from the start and
// says `reset`, and the client hands on the new run's events from the first
// (onReset tells first). It knows nothing of VS Code.

import {
  ConnectionError,
  createMessageConnection,
  Emitter,
  ErrorCodes as JsonRpcErrorCodes,
  ResponseError,
  type CancellationToken,
  type Logger,
  type MessageConnection,
} from 'vscode-jsonrpc/node';
import { FrameTooLargeError, LineDecoder, NdjsonMessageReader, NdjsonMessageWriter } from './framing';
import type { BackendProcess, Exit, Launcher } from './process';
import {
  Method,
  Notification,
  PROTOCOL_VERSION,
  sessionEventMethods,
  type AttachParams,
  type AttachResult,
  type BackendMethod,
  type ClientInfo,
  type DroppedEvent,
  type ErrorData,
  type InitializeResult,
  type ParamsOf,
  type ProgressParams,
  type ResultOf,
  type SessionEvent,
  type StartParams,
  type StartResult,
  type StopResult,
} from './protocol';

export type BackendState = 'stopped' | 'starting' | 'ready' | 'restarting' | 'failed';

export interface ClientOptions {
  launch: Launcher;
  clientInfo?: ClientInfo;
  /** Delays between restarts, in ms, the last repeated (default 100 ms up to 5 s). */
  backoffMs?: number[];
  /** Restarts in a row without a backend lasting restartResetMs, before giving up (default 8). */
  maxRestarts?: number;
  restartResetMs?: number;
}

/** An error the backend answered: its JSON-RPC code, message and data {kind?, hint?}. */
export type RpcError = ResponseError<ErrorData>;

/**
 * A call that never got an answer: the connection closed (or the backend
 * never ran) before it came. It is the client's own condition, not an error
 * of the peer, so it has no JSON-RPC code (-32000..-32099 is the server's,
 * and vscode-jsonrpc's own codes for it would be taken for the backend's).
 */
export class ConnectionClosedError extends Error {
  readonly kind = 'connection_closed';

  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'ConnectionClosedError';
  }
}

/** The codes vscode-jsonrpc gives calls the connection could not carry. */
const unanswered = new Set<number>([
  JsonRpcErrorCodes.PendingResponseRejected,
  JsonRpcErrorCodes.ConnectionInactive,
  JsonRpcErrorCodes.MessageWriteError,
  JsonRpcErrorCodes.MessageReadError,
]);

/** An error of the backend's (as opposed to no answer at all). */
export function isRpcError(err: unknown): err is RpcError {
  return err instanceof ResponseError && !unanswered.has(err.code);
}

/** The data.hint of an error of the backend's (for people), or ConnectionClosedError's. */
export function errorHint(err: unknown): string | undefined {
  if (err instanceof ConnectionClosedError) return err.hint;
  return isRpcError(err) ? err.data?.hint : undefined;
}

export interface Reattached {
  session: string;
  since: number;
  /** The run since belongs to, when known. */
  epoch?: string;
  result?: AttachResult;
  error?: RpcError;
}

/** A followed session was started again: its events start over with its new run's. */
export interface RunReset {
  session: string;
  /** The attach that said so (reset, and the new run's epoch). */
  result: AttachResult;
}

/** A session followed: the seq of the last event seen of it, and its run. */
interface Followed {
  seq: number;
  /** The run the seqs belong to, as a start or an attach reported it. */
  epoch?: string;
}

/** A notification kept back until an attach's result is taken in. */
type Held = [method: string, params: unknown];

interface Live {
  proc: BackendProcess;
  conn: MessageConnection;
  reader: NdjsonMessageReader;
  /** Messages the connection has handled, of those the reader handed it. */
  handled: number;
  startedAt: number;
  /** Why calls can no longer be made on it, once that is so. */
  closed?: string;
  exit?: Exit;
}

const DEFAULT_BACKOFF = [100, 250, 500, 1000, 2000, 5000];

export class BackendClient {
  private live: Live | undefined;
  private ready: Promise<Live> | undefined;
  private stateValue: BackendState = 'stopped';
  private disposed = false;
  private restarts = 0;
  /** Backends launched so far: from the second on, followed sessions are re-attached. */
  private launches = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  private initResult: InitializeResult | undefined;
  /** The sessions followed: the last event seen of each, and its run. */
  private readonly followed = new Map<string, Followed>();
  /** Sessions with an attach under way: their notifications, until its result is in. */
  private readonly held = new Map<string, Held[]>();

  private readonly eventEmitter = new Emitter<SessionEvent>();
  private readonly droppedEmitter = new Emitter<DroppedEvent>();
  private readonly progressEmitter = new Emitter<ProgressParams>();
  private readonly stateEmitter = new Emitter<BackendState>();
  private readonly logEmitter = new Emitter<string>();
  private readonly reattachedEmitter = new Emitter<Reattached>();
  private readonly resetEmitter = new Emitter<RunReset>();

  /** Session events, in seq order per session, each once. */
  readonly onEvent = this.eventEmitter.event;
  readonly onDropped = this.droppedEmitter.event;
  readonly onProgress = this.progressEmitter.event;
  readonly onState = this.stateEmitter.event;
  /** The backend's stderr, line by line, and the client's own notes. */
  readonly onLog = this.logEmitter.event;
  /** After a restart, for each session re-attached (or lost: error set). */
  readonly onReattached = this.reattachedEmitter.event;
  /**
   * A followed session was found started again (a new run) on attaching:
   * fired before any event of the new run, which come from its first.
   */
  readonly onReset = this.resetEmitter.event;

  constructor(private readonly opts: ClientOptions) {}

  get state(): BackendState {
    return this.stateValue;
  }

  get backendPid(): number | undefined {
    return this.live?.proc.pid;
  }

  get serverInfo(): InitializeResult | undefined {
    return this.initResult;
  }

  /** The seq of the last event seen of session, or undefined if not followed. */
  lastSeq(session: string): number | undefined {
    return this.followed.get(session)?.seq;
  }

  /** The run of session followed, if known (a start or an attach reported it). */
  epoch(session: string): string | undefined {
    return this.followed.get(session)?.epoch;
  }

  get followedSessions(): string[] {
    return [...this.followed.keys()];
  }

  /** Starts the backend (once); resolves when it is initialized. */
  async start(): Promise<InitializeResult> {
    await this.connection();
    return this.initResult as InitializeResult;
  }

  /**
   * Calls a method of the backend, starting it first if needed. A token
   * cancels the call ($/cancelRequest): it then fails with RequestCancelled.
   */
  async call<M extends BackendMethod>(method: M, params: ParamsOf<M>, token?: CancellationToken): Promise<ResultOf<M>> {
    return (await request(await this.connection(), method, params, token)) as ResultOf<M>;
  }

  /** session/start; the session is followed from its first event. */
  async startSession(params: StartParams, token?: CancellationToken): Promise<StartResult> {
    const session = params.session ?? 'default';
    const previous = this.followed.get(session);
    this.followed.set(session, { seq: 0 });
    try {
      const result = await this.call(Method.SessionStart, params, token);
      const f = this.followed.get(session);
      if (f && result.epoch) f.epoch = result.epoch;
      return result;
    } catch (err) {
      // If the backend died, the worker may still come up: the restart
      // re-attaches with since 0 and drops the session if there is none.
      if (!(err instanceof ConnectionClosedError)) this.restore(session, previous);
      throw err;
    }
  }

  /**
   * session/attach; since 0 replays every event retained. epoch is the run
   * since belongs to: if the session was started again since, the new run
   * is replayed from the start (reset in the result, onReset fired first).
   */
  async attach(session: string, since?: number, epoch?: string): Promise<AttachResult> {
    const previous = this.followed.get(session);
    this.followed.set(session, { seq: since ?? 0, epoch });
    try {
      return await this.join(await this.connection(), session, since, epoch);
    } catch (err) {
      this.restore(session, previous);
      throw err;
    }
  }

  /** After a failed start or attach: follow session as before the call. */
  private restore(session: string, previous: Followed | undefined): void {
    if (previous === undefined) this.followed.delete(session);
    else this.followed.set(session, { seq: Math.max(previous.seq, this.followed.get(session)?.seq ?? 0), epoch: previous.epoch });
  }

  /**
   * session/attach on live. The session's notifications wait until the
   * result is taken in: after a reset they are the new run's, not repeats of
   * the old one's.
   */
  private async join(live: Live, session: string, since?: number, epoch?: string): Promise<AttachResult> {
    const params: AttachParams = { session };
    if (since !== undefined) params.since = since;
    if (epoch) params.epoch = epoch;
    const release = this.hold(session);
    let result: AttachResult;
    try {
      result = (await request(live, Method.SessionAttach, params)) as AttachResult;
    } catch (err) {
      // No events come with a refusal; those of a dead connection come
      // again from the next one, after the same since.
      release(false);
      throw err;
    }
    this.joined(session, result);
    release(true);
    return result;
  }

  /** Takes in an attach's result: the run followed, and a new run's fresh start. */
  private joined(session: string, result: AttachResult): void {
    const f = this.followed.get(session);
    if (!f) return;
    if (result.epoch) f.epoch = result.epoch;
    if (!result.reset) return;
    f.seq = 0; // the new run's seqs start again at 1: none is a repeat
    this.log(`session ${session} was started again: following its new run from the start`);
    this.resetEmitter.fire({ session, result });
  }

  /**
   * Keeps session's notifications back; the function returned lets them go,
   * handed on (deliver) or dropped. An attach already holding them keeps
   * them (the function is then a no-op).
   */
  private hold(session: string): (deliver: boolean) => void {
    if (this.held.has(session)) return () => undefined;
    const queue: Held[] = [];
    this.held.set(session, queue);
    return (deliver) => {
      if (this.held.get(session) === queue) this.held.delete(session);
      if (deliver) for (const [method, params] of queue) this.deliver(method, params);
    };
  }

  /** session/stop; the session is no longer followed. */
  async stopSession(session: string): Promise<StopResult> {
    const result = await this.call(Method.SessionStop, { session });
    this.followed.delete(session);
    return result;
  }

  /** Stops following session without stopping it. */
  forget(session: string): void {
    this.followed.delete(session);
  }

  /** shutdown and exit, then the backend is gone; sessions keep running. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    clearTimeout(this.restartTimer);
    const live = this.live;
    if (live) {
      if (live.closed === undefined && this.stateValue === 'ready') {
        await Promise.race([request(live, Method.Shutdown, undefined).catch(() => null), delay(2000)]);
        await notify(live, Notification.Exit);
      }
      live.proc.stdin.end();
      const exited = await Promise.race([live.proc.exited, delay(2000).then(() => undefined)]);
      if (!exited) {
        live.proc.kill('SIGKILL');
        await live.proc.exited;
      }
      live.conn.dispose();
    }
    this.setState('stopped');
    for (const e of [
      this.eventEmitter,
      this.droppedEmitter,
      this.progressEmitter,
      this.stateEmitter,
      this.logEmitter,
      this.reattachedEmitter,
      this.resetEmitter,
    ]) {
      e.dispose();
    }
  }

  // ---- The backend's life ----

  private connection(): Promise<Live> {
    if (this.disposed) return Promise.reject(new ConnectionClosedError('the BDG client is disposed'));
    if (!this.ready) {
      if (this.stateValue === 'failed') this.restarts = 0;
      this.ready = this.launch();
      // Keep the rejection handled; callers get it through their await.
      this.ready.catch(() => undefined);
    }
    return this.ready;
  }

  private async launch(): Promise<Live> {
    const relaunch = this.launches++ > 0;
    this.setState(relaunch ? 'restarting' : 'starting');
    const proc = this.opts.launch();
    const reader = new NdjsonMessageReader(proc.stdout);
    const logger: Logger = {
      error: (m) => this.log(m),
      warn: (m) => this.log(m),
      info: (m) => this.log(m),
      log: (m) => this.log(m),
    };
    // Messages are handled one per turn of the event loop: count them, so
    // that those read before the backend exited are handled before its
    // calls are given up (onExit).
    const conn = createMessageConnection(reader, new NdjsonMessageWriter(proc.stdin), logger, {
      messageStrategy: {
        handleMessage: (message, next) => {
          live.handled++;
          next(message);
        },
      },
    });
    const live: Live = { proc, conn, reader, handled: 0, startedAt: Date.now() };
    this.live = live;
    this.pipeStderr(proc);
    conn.onError(([err]) => {
      this.log(err.message);
      // Past the frame limit nothing more is read: start afresh.
      if (err instanceof FrameTooLargeError) this.fail(live, `the backend sent a ${err.message}`);
    });
    conn.onClose(() => {
      live.closed ??= 'the backend closed the connection';
    });
    conn.onNotification((method, params) => this.onNotification(method, params));
    // $/progress, which vscode-jsonrpc takes in itself: no handler is
    // registered for its tokens (ours are not LSP's work-done progress).
    conn.onUnhandledProgress((p) => this.progressEmitter.fire(p as unknown as ProgressParams));
    conn.listen();
    void proc.exited.then((exit) => this.onExit(live, exit));

    try {
      this.initResult = (await request(live, Method.Initialize, {
        processId: process.pid,
        clientInfo: this.opts.clientInfo ?? { name: 'bdg-rpc-client' },
        protocolVersion: PROTOCOL_VERSION,
      })) as InitializeResult;
      await notify(live, Notification.Initialized, {});
      if (relaunch) await this.reattachAll(live);
    } catch (err) {
      if (live.exit?.error) {
        throw new ConnectionClosedError(
          `cannot run the backend: ${live.exit.error.message}`,
          'set bdg.path to the bdg-rpc binary (make build puts it in bin/bdg-rpc)',
        );
      }
      // onExit starts the next try when the process dies; a backend that
      // answers initialize with an error is stopped (and so restarted).
      if (isRpcError(err)) this.fail(live, `initialize failed: ${err.message}`);
      throw err;
    }
    if (this.live === live) this.setState('ready');
    return live;
  }

  private async reattachAll(live: Live): Promise<void> {
    for (const [session, { seq: since, epoch }] of [...this.followed]) {
      try {
        const result = await this.join(live, session, since, epoch);
        this.log(`re-attached to session ${session} since ${since}${result.reset ? ' of its previous run' : ''}`);
        this.reattachedEmitter.fire({ session, since, epoch, result });
      } catch (err) {
        // No answer (the backend died too): the next backend tries again.
        if (!isRpcError(err)) throw err;
        this.followed.delete(session);
        this.log(`session ${session} is gone: ${err.message}`);
        this.reattachedEmitter.fire({ session, since, epoch, error: err });
      }
    }
  }

  private async onExit(live: Live, exit: Exit): Promise<void> {
    live.exit = exit;
    live.closed = `the backend ${describeExit(exit)}`;
    // What it wrote before it exited is handled first (its last events, the
    // answer to a call); then the calls still waiting fail.
    for (let turns = 0; live.handled < live.reader.received && turns < 1_000_000; turns++) {
      await new Promise<void>((r) => setImmediate(r));
    }
    live.conn.dispose();
    if (this.live !== live) return;
    this.live = undefined;
    this.ready = undefined;
    if (this.disposed) return;
    this.log(`the backend ${describeExit(exit)}`);
    if (exit.error) {
      // Not there at all: no use retrying until the next call.
      this.setState('failed');
      return;
    }
    if (Date.now() - live.startedAt > (this.opts.restartResetMs ?? 10_000)) this.restarts = 0;
    const max = this.opts.maxRestarts ?? 8;
    if (this.restarts >= max) {
      this.log(`the backend failed ${max} times in a row; giving up until the next call`);
      this.setState('failed');
      return;
    }
    const backoff = this.opts.backoffMs ?? DEFAULT_BACKOFF;
    const wait = backoff[Math.min(this.restarts, backoff.length - 1)];
    this.restarts++;
    this.setState('restarting');
    this.restartTimer = setTimeout(() => {
      if (this.disposed || this.ready) return;
      this.ready = this.launch();
      this.ready.catch((err: Error) => this.log(`restart failed: ${err.message}`));
    }, wait);
  }

  private fail(live: Live, why: string): void {
    this.log(why);
    live.proc.kill('SIGKILL');
  }

  private onNotification(method: string, params: unknown): void {
    const queue = this.held.get(sessionOf(params) ?? '');
    if (queue) queue.push([method, params]);
    else this.deliver(method, params);
  }

  /** Hands a session's notification on, unless it was handed on already. */
  private deliver(method: string, params: unknown): void {
    if (method === Notification.EventsDropped) {
      const d = params as DroppedEvent;
      const f = this.followed.get(d.session);
      if (f && d.toSeq > f.seq) f.seq = d.toSeq;
      this.droppedEmitter.fire(d);
      return;
    }
    if (!sessionEventMethods.has(method)) {
      this.log(`ignored notification ${method}`);
      return;
    }
    if (!hasSessionAndSeq(params)) {
      this.log(`ignored ${method} without session and seq`);
      return;
    }
    const ev = { method, params } as SessionEvent;
    const { session, seq } = ev.params;
    const f = this.followed.get(session);
    if (f) {
      if (seq <= f.seq) return; // replayed after a re-attach: already handed on
      f.seq = seq;
    }
    if (ev.method === Notification.SessionEnded) this.followed.delete(session);
    this.eventEmitter.fire(ev);
  }

  private pipeStderr(proc: BackendProcess): void {
    const lines = new LineDecoder();
    proc.stderr.on('data', (chunk: Buffer) => {
      try {
        for (const l of lines.push(chunk)) this.logEmitter.fire(l);
      } catch {
        this.logEmitter.fire('(a stderr line too long to show)');
      }
    });
  }

  private log(line: string): void {
    this.logEmitter.fire(`[client] ${line}`);
  }

  private setState(s: BackendState): void {
    if (this.stateValue === s) return;
    this.stateValue = s;
    this.stateEmitter.fire(s);
  }
}

/** The session a notification is about, if it names one. */
function sessionOf(p: unknown): string | undefined {
  if (typeof p !== 'object' || p === null) return undefined;
  const session = (p as Record<string, unknown>).session;
  return typeof session === 'string' ? session : undefined;
}

function hasSessionAndSeq(p: unknown): p is { session: string; seq: number } {
  if (typeof p !== 'object' || p === null) return false;
  const o = p as Record<string, unknown>;
  return typeof o.session === 'string' && typeof o.seq === 'number';
}

export function describeExit(exit: Exit): string {
  if (exit.error) return `could not start: ${exit.error.message}`;
  if (exit.signal) return `was killed by ${exit.signal}`;
  return `exited with status ${exit.code}`;
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}

/**
 * Calls method on live's connection. A call the connection could not carry
 * (the backend is gone, or went while it waited) fails with a
 * ConnectionClosedError saying why, not with vscode-jsonrpc's own codes.
 */
async function request(live: Live, method: string, params: unknown, token?: CancellationToken): Promise<unknown> {
  if (live.closed !== undefined) throw new ConnectionClosedError(`${method}: ${live.closed}`);
  // Only what there is: vscode-jsonrpc takes an undefined argument for a
  // positional param ([null]).
  const args: unknown[] = params === undefined ? [] : [params];
  if (token) args.push(token);
  try {
    return await live.conn.sendRequest(method, ...args);
  } catch (err) {
    if (err instanceof ConnectionError || (err instanceof ResponseError && unanswered.has(err.code))) {
      throw new ConnectionClosedError(`${method}: ${live.closed ?? err.message}`);
    }
    throw err;
  }
}

/** Sends a notification on live's connection, if it is still there. */
async function notify(live: Live, method: string, params?: unknown): Promise<void> {
  if (live.closed !== undefined) return;
  try {
    await live.conn.sendNotification(method, ...(params === undefined ? [] : [params]));
  } catch {
    // closed meanwhile: nobody to tell
  }
}

