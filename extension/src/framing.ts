// Newline-delimited JSON framing (docs/PROTOCOL.md, "Framing"), and the
// message reader and writer that put vscode-jsonrpc's MessageConnection on
// it (vscode-jsonrpc's own frame messages with Content-Length headers).
//
// Reading: bytes are buffered until "\n" and each line is decoded as UTF-8
// whole, never per chunk, so a multi-byte character split across chunks
// survives. Each byte is searched for "\n" once. "\r\n" is accepted; blank
// lines are skipped.
//
// Writing: one line per message; U+2028 and U+2029, which JSON.stringify
// leaves raw, are escaped.

import type { Readable, Writable } from 'node:stream';
import {
  AbstractMessageReader,
  AbstractMessageWriter,
  Disposable,
  type DataCallback,
  type Message,
  type MessageReader,
  type MessageWriter,
} from 'vscode-jsonrpc/node';

/** The largest message accepted, as on the backend's side: 64 MiB. */
export const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

const NEWLINE = 0x0a;
const CR = 0x0d;

export class FrameTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`message larger than the limit of ${limit} bytes`);
    this.name = 'FrameTooLargeError';
  }
}

export class LineDecoder {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private readonly utf8 = new TextDecoder('utf-8');

  constructor(private readonly limit: number = MAX_MESSAGE_BYTES) {}

  /** Feeds a chunk; returns the complete lines it ends, without their newline. */
  push(chunk: Uint8Array): string[] {
    const lines: string[] = [];
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(NEWLINE, start);
      if (nl < 0) break;
      const line = this.take(chunk.subarray(start, nl));
      if (line !== undefined) lines.push(line);
      start = nl + 1;
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start);
      this.pendingBytes += rest.length;
      if (this.pendingBytes > this.limit) {
        this.pending = [];
        this.pendingBytes = 0;
        throw new FrameTooLargeError(this.limit);
      }
      // Copy: the caller may reuse its buffer.
      this.pending.push(Buffer.from(rest));
    }
    return lines;
  }

  /** Bytes held for a line not yet ended. */
  get buffered(): number {
    return this.pendingBytes;
  }

  private take(tail: Uint8Array): string | undefined {
    let bytes: Uint8Array = tail;
    if (this.pending.length > 0) {
      this.pending.push(Buffer.from(tail));
      bytes = Buffer.concat(this.pending, this.pendingBytes + tail.length);
      this.pending = [];
      this.pendingBytes = 0;
    }
    if (bytes.length > this.limit) throw new FrameTooLargeError(this.limit);
    let end = bytes.length;
    if (end > 0 && bytes[end - 1] === CR) end--;
    const line = this.utf8.decode(bytes.subarray(0, end));
    return line.trim() === '' ? undefined : line;
  }
}

/** Encodes one message as one line, ending in "\n". */
export function encodeMessage(message: unknown): string {
  return JSON.stringify(message).replace(/[\u2028\u2029]/g, (c) =>
    c === '\u2028' ? '\\u2028' : '\\u2029',
  ) + '\n';
}

/**
 * Reads newline-delimited JSON-RPC messages from a byte stream for a
 * MessageConnection. A line that is not a JSON-RPC 2.0 message is reported
 * (onError) and skipped; a line over the limit is reported and ends the
 * reading (onClose), as the protocol says a receiver does.
 */
export class NdjsonMessageReader extends AbstractMessageReader implements MessageReader {
  private readonly decoder: LineDecoder;
  private callback: DataCallback | undefined;
  private stop: (() => void) | undefined;
  private ended = false;
  /** Messages handed to the connection so far. */
  received = 0;

  constructor(
    private readonly input: Readable,
    limit: number = MAX_MESSAGE_BYTES,
  ) {
    super();
    this.decoder = new LineDecoder(limit);
  }

  listen(callback: DataCallback): Disposable {
    this.callback = callback;
    const onData = (chunk: Buffer): void => this.receive(chunk);
    const onEnd = (): void => this.end();
    const onError = (err: Error): void => this.fireError(err);
    this.input.on('data', onData);
    this.input.on('end', onEnd);
    this.input.on('close', onEnd);
    this.input.on('error', onError);
    this.stop = () => {
      this.callback = undefined;
      this.input.off('data', onData);
      this.input.off('end', onEnd);
      this.input.off('close', onEnd);
      this.input.off('error', onError);
    };
    return Disposable.create(() => this.stop?.());
  }

  override dispose(): void {
    this.stop?.();
    super.dispose();
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    this.stop?.();
    this.fireClose();
  }

  private receive(chunk: Buffer): void {
    let lines: string[];
    try {
      lines = this.decoder.push(chunk);
    } catch (err) {
      this.fireError(err);
      if (err instanceof FrameTooLargeError) this.end();
      return;
    }
    for (const line of lines) {
      if (!this.callback) return; // disposed, or ended, meanwhile
      let msg: unknown;
      try {
        msg = JSON.parse(line);
      } catch {
        this.fireError(new Error(`dropped a line that is not JSON: ${line.slice(0, 200)}`));
        continue;
      }
      if (typeof msg !== 'object' || msg === null || Array.isArray(msg) || (msg as { jsonrpc?: unknown }).jsonrpc !== '2.0') {
        this.fireError(new Error(`dropped a message that is not JSON-RPC 2.0: ${line.slice(0, 200)}`));
        continue;
      }
      this.received++;
      this.callback(msg as Message);
    }
  }
}

/**
 * Writes JSON-RPC messages to a byte stream, one line each, for a
 * MessageConnection. A write never rejects: a failure (the peer went away)
 * is reported with onError, and the calls it leaves unanswered fail when
 * the connection is disposed.
 */
export class NdjsonMessageWriter extends AbstractMessageWriter implements MessageWriter {
  private errors = 0;

  constructor(private readonly output: Writable) {
    super();
    output.on('error', (err: Error) => this.failed(err));
    output.on('close', () => this.fireClose());
  }

  write(msg: Message): Promise<void> {
    return new Promise((resolve) => {
      try {
        this.output.write(encodeMessage(msg), (err) => {
          if (err) this.failed(err, msg);
          resolve();
        });
      } catch (err) {
        this.failed(err as Error, msg);
        resolve();
      }
    });
  }

  end(): void {
    this.output.end();
  }

  private failed(err: Error, msg?: Message): void {
    this.fireError(err, msg, ++this.errors);
  }
}
