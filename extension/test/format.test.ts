import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ConsoleMessage, NetworkRequest } from '../src/protocol';
import { formatDuration, messageLabel, messageLocation, requestDescription, requestDetails, requestLabel, shortUrl } from '../src/views/format';
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

test('findBinary: the setting, else PATH, else bin/bdg-rpc of a folder', () => {
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
    assert.equal(findBinary({ setting: '', folders: [], extraRoots: [ws], path: '' }), exe);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
