// Newline-delimited JSON framing (docs/PROTOCOL.md, "Framing").
//
// Reading: bytes are buffered until "\n" and each line is decoded as UTF-8
// whole, never per chunk, so a multi-byte character split across chunks
// survives. Each byte is searched for "\n" once. "\r\n" is accepted; blank
// lines are skipped.
//
// Writing: one line per message; U+2028 and U+2029, which JSON.stringify
// leaves raw, are escaped.

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
