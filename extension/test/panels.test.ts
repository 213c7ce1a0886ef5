import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { asCurl, asFetch, responseText, shellQuote } from '../src/panels/copy';
import { parseStack, placeKey, toConsoleRow } from '../src/panels/consoleRows';
import { chipOf, initiatorText, phases, requestName, toRow } from '../src/panels/rows';
import type { NetworkRequest } from '../src/protocol';

const base: NetworkRequest = {
  seq: 1,
  requestId: '1.1',
  url: 'http://127.0.0.1:8080/api/items?page=2',
  method: 'GET',
  timestamp: 1_000,
  navigationId: 1,
  state: 'finished',
};

test('Copy as cURL: the method, the headers (no pseudo-headers), the body, --compressed', () => {
  const get = asCurl({ ...base, requestHeaders: { Accept: 'application/json', ':authority': 'x', 'Accept-Encoding': 'gzip' } });
  assert.equal(get, "curl 'http://127.0.0.1:8080/api/items?page=2' \\\n  -H 'Accept: application/json' \\\n  --compressed");
  const post = asCurl({ ...base, method: 'POST', requestBody: `{"it's":"here"}`, requestHeaders: { 'Content-Type': 'application/json' } });
  assert.equal(post, "curl 'http://127.0.0.1:8080/api/items?page=2' \\\n  -H 'Content-Type: application/json' \\\n  --data-raw '{\"it'\\''s\":\"here\"}'");
  const del = asCurl({ ...base, method: 'DELETE' });
  assert.match(del, /-X 'DELETE'/);
  const put = asCurl({ ...base, method: 'PUT', requestBody: 'x' });
  assert.match(put, /-X 'PUT' \\\n {2}--data-raw 'x'/);
});

test('shellQuote survives bash: quotes, newlines, control characters, $ and backticks', () => {
  for (const s of ["it's", 'a\nb', 'tab\there', '$HOME `id` \\ "q"', 'bell\u0007', '']) {
    const out = execFileSync('bash', ['-c', `printf '%s' ${shellQuote(s)}`], { encoding: 'utf8' });
    assert.equal(out, s, JSON.stringify(s));
  }
});

test('Copy as fetch: headers the page may set, the referrer, credentials when there were cookies', () => {
  const text = asFetch({
    ...base,
    method: 'POST',
    requestBody: '{"a":1}',
    requestHeaders: { 'Content-Type': 'application/json', Cookie: 'sid=1', Referer: 'http://127.0.0.1:8080/', 'User-Agent': 'x', 'sec-ch-ua': 'y' },
  });
  assert.equal(
    text,
    `fetch("http://127.0.0.1:8080/api/items?page=2", {
  "headers": {
    "content-type": "application/json"
  },
  "referrer": "http://127.0.0.1:8080/",
  "body": "{\\"a\\":1}",
  "method": "POST",
  "mode": "cors",
  "credentials": "include"
});`,
  );
});

test('Copy response: base64 decoded, none when the session kept none', () => {
  assert.equal(responseText({ ...base, responseBody: 'aGVsbG8=', base64Encoded: true }), 'hello');
  assert.equal(responseText({ ...base, responseBody: '{"n":42}' }), '{"n":42}');
  assert.equal(responseText(base), undefined);
});

test("the panel's rows: DevTools' names, initiators, type chips", () => {
  assert.equal(requestName('http://h/api/items?page=2'), 'items?page=2');
  assert.equal(requestName('http://h/dir/'), 'dir');
  assert.equal(requestName('http://h/'), 'h');
  assert.equal(requestName('http://h/a%20b.js'), 'a b.js');
  assert.equal(requestName('not a url'), 'not a url');
  assert.equal(initiatorText({ ...base, initiator: { type: 'script', url: 'http://h/assets/app.js', line: 1, column: 3829 } }), 'script app.js:1:3829');
  assert.equal(initiatorText({ ...base, initiator: { type: 'parser', url: 'http://h/index.html', line: 12 } }), 'parser index.html:12');
  assert.equal(initiatorText({ ...base, initiator: { type: 'other' } }), 'other');
  assert.equal(initiatorText(base), '');
  const expect: [string | undefined, string][] = [
    ['Fetch', 'Fetch/XHR'],
    ['XHR', 'Fetch/XHR'],
    ['Document', 'Doc'],
    ['Script', 'JS'],
    ['Stylesheet', 'CSS'],
    ['Image', 'Img'],
    ['WebSocket', 'WS'],
    ['Font', 'Other'],
    [undefined, 'Other'],
  ];
  for (const [t, chip] of expect) assert.equal(chipOf(t), chip, String(t));
  const row = toRow({
    ...base,
    status: 404,
    resourceType: 'Fetch',
    target: { id: 'W', type: 'worker', url: 'http://h/w.js' },
    redirects: [{ url: 'http://h/old', status: 301, timestamp: 1 }],
    encodedDataLength: 10,
    duration: 5,
  });
  assert.equal(row.name, 'items?page=2');
  assert.equal(row.targetTag, 'worker');
  assert.equal(row.redirects?.length, 1);
  assert.deepEqual(row.target, { id: 'W', type: 'worker' });
  assert.equal(row.headersAt, undefined, 'no timing: no split of the bar');
});

test("a request's timing: the waterfall's split and the Timing tab's phases", () => {
  const timing = { blocked: 3, dns: 3, connect: 10, ssl: 6, send: 0.5, wait: 100, receive: 20 };
  const done = toRow({ ...base, duration: 140, timing });
  assert.equal(done.headersAt, 120, 'the download is the last 20 ms');
  const under = toRow({ ...base, timing: { ...timing, receive: -1 } });
  assert.equal(under.headersAt, 116.5, 'before the end: the phases up to the headers');
  assert.deepEqual(
    phases(timing).map((p) => [p.key, p.from, p.ms]),
    [
      ['blocked', 0, 3],
      ['dns', 3, 3],
      ['connect', 6, 10],
      ['ssl', 10, 6],
      ['send', 16, 0.5],
      ['wait', 16.5, 100],
      ['receive', 116.5, 20],
    ],
  );
  const reused = phases({ blocked: 1, dns: -1, connect: -1, ssl: -1, send: 0.25, wait: 5, receive: -1 });
  assert.deepEqual(reused.map((p) => p.key), ['blocked', 'send', 'wait'], 'phases that did not happen are left out');
});

test("the Console panel's rows and stacks", () => {
  const frames = parseStack('    at a (http://h/app.js:1:166)\n    --- setTimeout ---\n    at (anonymous) (http://h:8080/app.js:1:380)');
  assert.deepEqual(frames.map((f) => f.place), [{ url: 'http://h/app.js', line: 1, column: 166 }, undefined, { url: 'http://h:8080/app.js', line: 1, column: 380 }]);
  assert.deepEqual(frames.map((f) => f.name), ['a', '', '(anonymous)']);
  assert.equal(placeKey({ url: 'http://h/app.js', line: 3 }), 'http://h/app.js:3:1');
  const row = toConsoleRow({
    seq: 9,
    level: 'error',
    source: 'console',
    type: 'error',
    text: 'boom',
    timestamp: 1,
    url: 'http://h/app.js',
    line: 1,
    column: 5,
    navigationId: 1,
    target: { id: 'W', type: 'worker', url: 'http://h/w.js' },
  });
  assert.deepEqual(row, { seq: 9, level: 'error', source: 'console', type: 'error', text: 'boom', timestamp: 1, url: 'http://h/app.js', line: 1, column: 5, targetTag: 'worker', targetId: 'W' });
  const objects = [{ index: 1, objectId: '1.2.3', type: 'object', className: 'Object', text: '{a: 1}' }];
  const withObjects = toConsoleRow({ seq: 10, level: 'log', source: 'console', type: 'log', text: 'x {a: 1}', timestamp: 1, navigationId: 1, objects });
  assert.deepEqual(withObjects.objects, objects, 'the objects, for object/properties');
  assert.equal(withObjects.targetId, undefined, "the page's: no target id");
});
