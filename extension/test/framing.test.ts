import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import type { Message } from 'vscode-jsonrpc/node';
import { encodeMessage, FrameTooLargeError, LineDecoder, NdjsonMessageReader, NdjsonMessageWriter } from '../src/framing';

const messages = [
  { jsonrpc: '2.0', method: 'console/message', params: { text: 'héllo wörld — 日本語 🎉' } },
  { jsonrpc: '2.0', id: 1, result: { text: 'line\u2028sep\u2029para' } },
  { jsonrpc: '2.0', id: 'x', error: { code: -32001, message: 'already running', data: { hint: 'stop it' } } },
];

function stream(): Buffer {
  return Buffer.from(messages.map((m) => encodeMessage(m)).join(''), 'utf8');
}

function decodeAll(chunks: Buffer[]): unknown[] {
  const d = new LineDecoder();
  return chunks.flatMap((c) => d.push(c)).map((l) => JSON.parse(l) as unknown);
}

test('encodeMessage writes one line and escapes U+2028 and U+2029', () => {
  const line = encodeMessage(messages[1]);
  assert.equal(line.indexOf('\n'), line.length - 1);
  assert.ok(!line.includes('\u2028') && !line.includes('\u2029'));
  assert.ok(line.includes('\\u2028') && line.includes('\\u2029'));
  assert.deepEqual(JSON.parse(line), messages[1]);
});

test('several messages in one chunk', () => {
  assert.deepEqual(decodeAll([stream()]), messages);
});

test('split at every byte boundary, including inside multi-byte characters', () => {
  const all = stream();
  let insideChar = 0;
  for (let i = 1; i < all.length; i++) {
    if ((all[i] & 0xc0) === 0x80) insideChar++;
    assert.deepEqual(decodeAll([all.subarray(0, i), all.subarray(i)]), messages, `split at ${i}`);
  }
  assert.ok(insideChar >= 10, 'the stream has splits inside characters');
});

test('one byte per chunk', () => {
  const all = stream();
  const chunks = [...all].map((b) => Buffer.from([b]));
  assert.deepEqual(decodeAll(chunks), messages);
});

test('\\r\\n endings and blank lines', () => {
  const text = '\r\n  \n{"a":1}\r\n\n{"b":"é"}\r\n\t\r\n';
  const d = new LineDecoder();
  assert.deepEqual(d.push(Buffer.from(text)), ['{"a":1}', '{"b":"é"}']);
  assert.equal(d.buffered, 0);
});

test('a partial line waits for its newline; the buffer is copied', () => {
  const d = new LineDecoder();
  const chunk = Buffer.from('{"a":');
  assert.deepEqual(d.push(chunk), []);
  chunk.fill(0x20); // the caller reuses its buffer
  assert.deepEqual(d.push(Buffer.from('1}\n')), ['{"a":1}']);
});

test('a line over the limit is refused without buffering it whole', () => {
  const d = new LineDecoder(16);
  assert.throws(() => d.push(Buffer.from('x'.repeat(17))), FrameTooLargeError);
  assert.equal(d.buffered, 0);
  const e = new LineDecoder(16);
  e.push(Buffer.from('x'.repeat(10)));
  assert.throws(() => e.push(Buffer.from('y'.repeat(10) + '\n')), FrameTooLargeError);
  // After the error the decoder starts afresh.
  assert.deepEqual(e.push(Buffer.from('{"ok":1}\n')), ['{"ok":1}']);
});

// The reader and writer that carry vscode-jsonrpc's MessageConnection.

function readAll(chunks: Buffer[], limit?: number): Promise<{ messages: unknown[]; errors: string[]; closed: boolean }> {
  const input = new PassThrough();
  const reader = new NdjsonMessageReader(input, limit);
  const out = { messages: [] as unknown[], errors: [] as string[], closed: false };
  reader.onError((e) => out.errors.push(e.message));
  reader.onClose(() => (out.closed = true));
  reader.listen((m) => out.messages.push(m));
  for (const c of chunks) input.write(c);
  input.end();
  return new Promise((resolve) => setImmediate(() => resolve(out)));
}

test('NdjsonMessageReader: messages split at every byte, one per read', async () => {
  const all = stream();
  for (let i = 1; i < all.length; i += 7) {
    const got = await readAll([all.subarray(0, i), all.subarray(i)]);
    assert.deepEqual(got.messages, messages, `split at ${i}`);
  }
  const got = await readAll([...all].map((b) => Buffer.from([b])));
  assert.deepEqual(got.messages, messages);
  assert.deepEqual(got.errors, []);
  assert.equal(got.closed, true, 'the end of input closes it');
});

test('NdjsonMessageReader: what is not a JSON-RPC 2.0 message is reported and skipped; an oversized line ends it', async () => {
  const text = '%%% garbage\n[1,2]\n{"jsonrpc":"1.0","id":1}\n{"jsonrpc":"2.0","method":"m"}\n';
  const got = await readAll([Buffer.from(text)]);
  assert.deepEqual(got.messages, [{ jsonrpc: '2.0', method: 'm' }]);
  assert.equal(got.errors.length, 3);
  assert.match(got.errors[0], /not JSON/);
  const big = await readAll([Buffer.from('{"jsonrpc":"2.0","method":"a"}\n'), Buffer.from('x'.repeat(40) + '\n{"jsonrpc":"2.0","method":"b"}\n')], 32);
  assert.deepEqual(big.messages, [{ jsonrpc: '2.0', method: 'a' }], 'nothing after the oversized line');
  assert.equal(big.closed, true);
  assert.match(big.errors[0], /larger than the limit of 32 bytes/);
});

test('NdjsonMessageWriter: one line per message, U+2028 escaped; a write to a closed stream reports and resolves', async () => {
  const output = new PassThrough();
  const chunks: string[] = [];
  output.on('data', (c: Buffer) => chunks.push(c.toString()));
  const writer = new NdjsonMessageWriter(output);
  await writer.write({ jsonrpc: '2.0', method: 'x', params: { text: 'a\u2028b' } } as Message);
  assert.deepEqual(chunks, ['{"jsonrpc":"2.0","method":"x","params":{"text":"a\\u2028b"}}\n']);
  const errors: string[] = [];
  writer.onError(([e]) => errors.push(e.message));
  output.destroy();
  await writer.write({ jsonrpc: '2.0', method: 'y' } as Message);
  assert.equal(errors.length > 0, true, 'reported');
});
