import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ConsoleMessage, NetworkRequest, TargetRef } from '../src/protocol';
import {
  formatDuration,
  messageLabel,
  messageLocation,
  messageOrigin,
  requestDescription,
  requestDetails,
  requestLabel,
  shortUrl,
  targetSummary,
  targetTag,
} from '../src/views/format';
import { findBinary } from '../src/binary';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const base: NetworkRequest = {
  seq: 9,
  requestId: '20018.2',
  url: 'http://127.0.0.1:8080/data.json?x=1',
  method: 'GET',
  resourceType: 'Fetch',
  timestamp: 1764104133420.1,
  navigationId: 1,
  state: 'finished',
  requestHeaders: { Accept: '*/*' },
  status: 200,
  statusText: 'OK',
  mimeType: 'application/json',
  responseHeaders: { 'Content-Type': 'application/json' },
  encodedDataLength: 120,
  duration: 4.2,
  bodySize: 9,
  responseBody: '{"n":42}',
};

test('request rows: method, status, URL, duration', () => {
  assert.equal(requestLabel(base), 'GET 200 /data.json?x=1');
  assert.equal(requestDescription(base), '4 ms · 120 B · Fetch · 127.0.0.1:8080');
  assert.equal(requestLabel({ ...base, state: 'pending', status: undefined }), 'GET … /data.json?x=1');
  const failed: NetworkRequest = { ...base, state: 'failed', status: undefined, errorText: 'net::ERR_FAILED', duration: 1500 };
  assert.equal(requestLabel(failed), 'GET failed /data.json?x=1');
  assert.equal(requestDescription(failed), 'net::ERR_FAILED · 1.50 s · 127.0.0.1:8080');
  assert.equal(requestLabel({ ...base, url: 'data:text/plain,hi' }), 'GET 200 data:text/plain,hi');
  assert.equal(shortUrl('data:text/plain,' + 'x'.repeat(200)).length, 120);
  assert.equal(formatDuration(0.2), '<1 ms');
});

test('request details: headers and a pretty-printed JSON body', () => {
  const text = requestDetails(base);
  assert.match(text, /^GET http:\/\/127\.0\.0\.1:8080\/data\.json\?x=1\n/);
  assert.match(text, /Status: 200 OK/);
  assert.match(text, /## Request headers\nAccept: \*\/\*/);
  assert.match(text, /## Response headers\nContent-Type: application\/json/);
  assert.match(text, /## Response body \(9 B\)\n\{\n {2}"n": 42\n\}/);
  assert.match(requestDetails({ ...base, responseBody: undefined, bodyOmitted: 'not-text' }), /\(not kept: not-text\)/);
  assert.doesNotMatch(text, /Truncated/);
});

test('request details: what was cut to its cap, with its size before', () => {
  const cut = requestDetails({
    ...base, requestBody: 'p'.repeat(65536), requestBodySize: 4 << 20, truncated: true,
    originalSizes: { url: 2_000_000, requestBody: 4 << 20, redirects: 30 },
  });
  assert.match(cut, /Truncated: url \(of 1\.9 MB\), requestBody \(of 4\.0 MB\), redirects \(of 30 hops\)/);
  assert.match(cut, /## Request body \(the first 64\.0 kB of 4\.0 MB\)\np{65536}\n/);
  assert.match(requestDetails({ ...base, requestBodySize: 100 }), /## Request body\n\(not kept: 100 B\)/);
});

test('console rows: first line and source location', () => {
  const m: ConsoleMessage = {
    seq: 7, level: 'warning', source: 'console', type: 'warning', text: 'careful\nsecond line',
    timestamp: 1, url: 'http://127.0.0.1:8080/js/app.js', line: 3, column: 9, navigationId: 1,
  };
  assert.equal(messageLabel(m), 'careful …');
  assert.equal(messageLocation(m), 'app.js:3:9');
  assert.equal(messageLocation({ ...m, url: undefined }), '');
  assert.equal(messageLabel({ ...m, text: 'x'.repeat(400) }).length, 300);
});

const worker: TargetRef = { id: 'W1', type: 'worker', url: 'http://127.0.0.1:8080/wp-worker.js', parentId: 'P0' };

test('targets: rows of the page unchanged, others tagged with where they came from', () => {
  const page: TargetRef = { id: 'P0', type: 'page', url: 'http://127.0.0.1:8080/' };
  assert.equal(requestLabel({ ...base, target: page, frameId: 'F1' }), 'GET 200 /data.json?x=1');
  assert.equal(requestLabel({ ...base, target: worker }), '[worker] GET 200 /data.json?x=1');
  const tags = (['iframe', 'worker', 'shared_worker', 'service_worker', 'popup'] as const).map((type) =>
    targetTag({ id: 'x', type, url: '' }),
  );
  assert.deepEqual(tags, ['[iframe]', '[worker]', '[shared]', '[sw]', '[popup]']);
  assert.equal(targetTag(undefined), '');
  assert.equal(targetTag(page), '');
  const m: ConsoleMessage = {
    seq: 1, level: 'log', source: 'console', type: 'log', text: 'from the worker', timestamp: 1, navigationId: 1,
  };
  assert.equal(messageLabel({ ...m, target: page }), 'from the worker');
  assert.equal(messageLabel({ ...m, target: { ...worker, type: 'service_worker' } }), '[sw] from the worker');
  assert.equal(messageLabel({ ...m, target: worker, text: 'x'.repeat(400) }).length, 300, 'the tag fits in max');
  assert.equal(messageOrigin({ ...m, target: worker }), 'worker 127.0.0.1:8080/wp-worker.js (id W1)');
  assert.equal(messageOrigin({ ...m, target: page, frameId: 'F2' }), 'page 127.0.0.1:8080/ (id P0), frame F2');
  assert.equal(messageOrigin(m), undefined);
  assert.equal(requestDescription({ ...base, fromServiceWorker: true }), '4 ms · 120 B · Fetch · from service worker · 127.0.0.1:8080');
});

test('request details: the target, frame and service worker of a request', () => {
  const text = requestDetails({ ...base, target: worker, frameId: 'F9', fromServiceWorker: true });
  assert.match(text, /\nTarget: worker 127\.0\.0\.1:8080\/wp-worker\.js \(id W1\)\n/);
  assert.match(text, /\nTarget parent: P0\n/);
  assert.match(text, /\nFrame id: F9\n/);
  assert.match(text, /\nFrom service worker: yes\n/);
  assert.doesNotMatch(requestDetails(base), /Target|Frame id|service worker/);
});

const socket: NetworkRequest = {
  seq: 20, requestId: '77.1', url: 'ws://127.0.0.1:8080/ws', method: 'GET', resourceType: 'WebSocket',
  timestamp: 1764104133420, navigationId: 1, state: 'responded', status: 101, statusText: 'Switching Protocols',
  requestHeaders: { Upgrade: 'websocket' }, responseHeaders: { Upgrade: 'websocket' },
};

test('WebSocket rows: WS, its status, open or closed, and its frames', () => {
  assert.equal(requestLabel(socket), 'WS 101 /ws');
  assert.equal(requestDescription(socket), 'open · WebSocket · 127.0.0.1:8080');
  assert.equal(requestDescription(socket, 1), 'open · WebSocket · 1 frame · 127.0.0.1:8080');
  assert.equal(requestLabel({ ...socket, state: 'pending', status: undefined }), 'WS … /ws');
  assert.equal(requestDescription({ ...socket, state: 'finished', duration: 2500 }, 4), 'closed · 2.50 s · WebSocket · 4 frames · 127.0.0.1:8080');
  assert.equal(requestLabel({ ...socket, target: { id: 'S', type: 'shared_worker', url: 'x' } }), '[shared] WS 101 /ws');
  const sse: NetworkRequest = { ...base, url: 'http://127.0.0.1:8080/sse?n=3', resourceType: 'EventSource', mimeType: 'text/event-stream' };
  assert.equal(requestDescription(sse, 3), '4 ms · 120 B · EventSource · 3 messages · 127.0.0.1:8080');
});

test('WebSocket details: its frames, text and binary, instead of a body', () => {
  const text = requestDetails({
    ...socket,
    frames: [
      { seq: 21, requestId: '77.1', direction: 'sent', opcode: 1, payload: 'ping text', size: 9, timestamp: Date.UTC(2025, 0, 1, 12, 0, 0, 123) },
      { seq: 22, requestId: '77.1', direction: 'received', opcode: 2, payload: 'AQID/w==', base64: true, size: 4, timestamp: Date.UTC(2025, 0, 1, 12, 0, 1, 5) },
      { seq: 23, requestId: '77.1', direction: 'received', opcode: 1, payload: 'two\nlines', size: 70000, truncated: true, timestamp: Date.UTC(2025, 0, 1, 12, 0, 2) },
    ],
  });
  assert.match(text, /## Frames \(3; → sent, ← received\)\n→ 12:00:00\.123 text 9 B: ping text\n← 12:00:01\.005 binary 4 B \(base64\): AQID\/w==\n← 12:00:02\.000 text 68\.4 kB \(cut\): two\n {4}lines\n$/);
  assert.doesNotMatch(text, /Response body/);
  assert.match(requestDetails(socket), /## Frames \(0; → sent, ← received\)\n\(none\)\n$/);
});

test('EventSource details: its messages after the body', () => {
  const text = requestDetails({
    ...base, url: 'http://127.0.0.1:8080/sse?n=3', resourceType: 'EventSource', responseBody: undefined, bodyOmitted: 'unavailable',
    messages: [
      { seq: 30, requestId: '20018.2', eventName: 'message', eventId: '1', data: 'tick 1', timestamp: Date.UTC(2025, 0, 1, 0, 0, 0) },
      { seq: 31, requestId: '20018.2', eventName: 'ping', data: '', timestamp: Date.UTC(2025, 0, 1, 0, 0, 1) },
    ],
  });
  assert.match(text, /\(not kept: unavailable\)\n\n## EventSource messages \(2\)\n00:00:00\.000 message #1: tick 1\n00:00:01\.000 ping: \n$/);
});

test('targetSummary: followed now and gone, by type', () => {
  assert.equal(targetSummary({}, {}), undefined);
  assert.equal(targetSummary({ page: 1, worker: 2 }, {}), 'Targets: 1 page, 2 worker');
  assert.equal(targetSummary({ page: 1 }, { popup: 1 }), 'Targets: 1 page; gone: 1 popup');
  assert.equal(targetSummary({}, { worker: 3 }), 'Targets: none; gone: 3 worker');
});

test('findBinary: the setting, else the bundled binary, else PATH, else bin/bdg-rpc of a folder', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bdg-bin-'));
  try {
    const ws = join(dir, 'ws');
    mkdirSync(join(ws, 'bin'), { recursive: true });
    const exe = join(ws, 'bin', 'bdg-rpc');
    writeFileSync(exe, '#!/bin/sh\n');
    chmodSync(exe, 0o755);
    assert.equal(findBinary({ setting: '/opt/x/bdg-rpc', folders: [ws], path: '' }), '/opt/x/bdg-rpc');
    assert.equal(findBinary({ setting: 'bin/bdg-rpc', folders: [ws], path: '' }), exe);
    assert.equal(findBinary({ setting: '', folders: [ws], path: join(dir, 'none') }), exe);
    assert.equal(findBinary({ setting: '', folders: [], path: join(ws, 'bin') }), exe);
    assert.equal(findBinary({ setting: '', folders: [dir], path: '' }), undefined);
    // The binary the extension carries comes after the setting and before PATH.
    const ext = join(dir, 'ext');
    mkdirSync(join(ext, 'bin'), { recursive: true });
    const bundled = join(ext, 'bin', 'bdg-rpc');
    writeFileSync(bundled, '#!/bin/sh\n');
    chmodSync(bundled, 0o755);
    assert.equal(findBinary({ setting: '', extensionRoot: ext, folders: [ws], path: join(ws, 'bin') }), bundled);
    assert.equal(findBinary({ setting: '/opt/x/bdg-rpc', extensionRoot: ext, folders: [], path: '' }), '/opt/x/bdg-rpc');
    assert.equal(findBinary({ setting: '', extensionRoot: dir, folders: [], path: join(ws, 'bin') }), exe);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
