import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeMessage, FrameTooLargeError, LineDecoder } from '../src/framing';

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
