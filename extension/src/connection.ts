// A JSON-RPC 2.0 connection over a readable and a writable byte stream,
// framed as newline-delimited JSON (framing.ts). It sends requests and
// notifications, matches responses to requests, and hands notifications on.

import type { Readable, Writable } from 'node:stream';
import { Emitter } from './emitter';
import { encodeMessage, FrameTooLargeError, LineDecoder } from './framing';
import {
  ErrorCodes,
  Notification,
  type ErrorData,
  type Id,
  type Message,
  type NotificationMessage,
  type RequestMessage,
  type ResponseError,
  type ResponseMessage,
} from './protocol';

/** An error the peer answered: a JSON-RPC error, with its code and data. */
export class RpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: ErrorData,
  ) {
    super(message);
    this.name = 'RpcError';
  }

  get kind(): string | undefined {
    return this.data?.kind;
  }

  get hint(): string | undefined {
    return this.data?.hint;
  }

  static from(e: ResponseError): RpcError {
    return new RpcError(e.code, e.message, e.data);
  }
}

/**
 * A call that never got an answer: the connection closed (or the backend
 * never ran) before it came. It is the client's own condition, not an error
 * of the peer, so it has no JSON-RPC code (-32000..-32099 is the server's).
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

/** What a call can fail with: the peer's error, or no answer at all. */
export type CallError = RpcError | ConnectionClosedError;

export interface CallOptions {
  /** Cancels the call with $/cancelRequest when it fires. */
  signal?: AbortSignal;
}

interface Pending {
  method: string;
  resolve(result: unknown): void;
  reject(err: CallError): void;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export class Connection {
  private nextId = 1;
  private readonly pending = new Map<Id, Pending>();
  private readonly decoder = new LineDecoder();
  private closedReason: string | undefined;

  private readonly notificationEmitter = new Emitter<NotificationMessage>();
  private readonly closeEmitter = new Emitter<string>();
  private readonly logEmitter = new Emitter<string>();

  /** Every notification received, in order. */
  readonly onNotification = this.notificationEmitter.event;
  /** Fired once, when the connection can no longer be used. */
  readonly onClose = this.closeEmitter.event;
  /** Protocol trouble worth a line in the log. */
  readonly onLog = this.logEmitter.event;

  constructor(
    input: Readable,
    private readonly output: Writable,
  ) {
    input.on('data', (chunk: Buffer) => this.receive(chunk));
    input.on('end', () => this.close('the backend closed its output'));
    input.on('error', (err: Error) => this.close(`read error: ${err.message}`));
    output.on('error', (err: Error) => this.close(`write error: ${err.message}`));
  }

  get closed(): boolean {
    return this.closedReason !== undefined;
  }

  request(method: string, params: unknown, options: CallOptions = {}): Promise<unknown> {
    if (this.closedReason !== undefined) {
      return Promise.reject(new ConnectionClosedError(`${method}: ${this.closedReason}`));
    }
    const id = this.nextId++;
    const msg: RequestMessage = { jsonrpc: '2.0', id, method };
    if (params !== undefined) msg.params = params;
    return new Promise<unknown>((resolve, reject) => {
      const signal = options.signal;
      const onAbort = (): void => this.notify(Notification.CancelRequest, { id });
      const done = (): void => signal?.removeEventListener('abort', onAbort);
      this.pending.set(id, {
        method,
        resolve: (r) => {
          done();
          resolve(r);
        },
        reject: (e) => {
          done();
          reject(e);
        },
      });
      if (signal) {
        if (signal.aborted) queueMicrotask(onAbort);
        else signal.addEventListener('abort', onAbort, { once: true });
      }
      this.write(msg);
    });
  }

  notify(method: string, params?: unknown): void {
    if (this.closedReason !== undefined) return;
    const msg: NotificationMessage = { jsonrpc: '2.0', method };
    if (params !== undefined) msg.params = params;
    this.write(msg);
  }

  /** Ends the connection: pending calls fail with a ConnectionClosedError. */
  close(reason: string): void {
    if (this.closedReason !== undefined) return;
    this.closedReason = reason;
    const calls = [...this.pending.values()];
    this.pending.clear();
    for (const p of calls) p.reject(new ConnectionClosedError(`${p.method}: ${reason}`));
    this.closeEmitter.fire(reason);
    this.notificationEmitter.dispose();
  }

  private write(msg: Message): void {
    try {
      this.output.write(encodeMessage(msg));
    } catch (err) {
      this.close(`write error: ${(err as Error).message}`);
    }
  }

  private receive(chunk: Buffer): void {
    let lines: string[];
    try {
      lines = this.decoder.push(chunk);
    } catch (err) {
      if (err instanceof FrameTooLargeError) {
        this.close(`the backend sent ${err.message}`);
        return;
      }
      throw err;
    }
    for (const line of lines) {
      if (this.closedReason !== undefined) return;
      this.dispatch(line);
    }
  }

  private dispatch(line: string): void {
    let msg: unknown;
    try {
      msg = JSON.parse(line);
    } catch {
      this.logEmitter.fire(`dropped a line that is not JSON: ${line.slice(0, 200)}`);
      return;
    }
    if (!isObject(msg) || msg.jsonrpc !== '2.0') {
      this.logEmitter.fire(`dropped a message that is not JSON-RPC 2.0: ${line.slice(0, 200)}`);
      return;
    }
    if (typeof msg.method === 'string') {
      if (msg.id === undefined) {
        this.notificationEmitter.fire(msg as unknown as NotificationMessage);
      } else {
        // The backend sends no requests; say so rather than leave it waiting.
        const reply: ResponseMessage = {
          jsonrpc: '2.0',
          id: msg.id as Id,
          error: { code: ErrorCodes.MethodNotFound, message: `method not found: ${msg.method}` },
        };
        this.write(reply);
      }
      return;
    }
    const res = msg as unknown as ResponseMessage;
    if (res.id === null || res.id === undefined) {
      const e = res.error;
      this.logEmitter.fire(`the backend could not read a message: ${e ? `${e.code} ${e.message}` : line}`);
      return;
    }
    const p = this.pending.get(res.id);
    if (!p) {
      this.logEmitter.fire(`a response to no call: ${line.slice(0, 200)}`);
      return;
    }
    this.pending.delete(res.id);
    if (res.error) p.reject(RpcError.from(res.error));
    else p.resolve(res.result ?? null);
  }
}
