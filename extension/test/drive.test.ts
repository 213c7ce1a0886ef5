// BDG: Evaluate…, Reload Page, Navigate… and Take Screenshot without VS Code
// (src/drive.ts): the Console view's entries of an evaluation, their
// children and labels, the commands with a fake host, and then the
// commands against the real bdg-rpc on headless Chromium.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, afterEach, before, test } from 'node:test';
import { ResponseError } from 'vscode-jsonrpc/node';
import { BackendClient, errorHint, isRpcError } from '../src/client';
import {
  consoleRows,
  Drive,
  evaluateParams,
  evaluationLabel,
  evaluationText,
  evaluationTooltip,
  EvaluationLog,
  explainError,
  hasChildren,
  hasProperties,
  isEvaluationNode,
  LAST_EXPRESSION_KEY,
  moreLabel,
  navigationMessage,
  NO_RUNNING_SESSION,
  nodeChildren,
  nodeIcon,
  previewValue,
  propertyLabel,
  screenshotSummary,
  shortExpression,
  stackLocation,
  stackNodes,
  validateExpression,
  validateUrl,
  valueChildren,
  type DriveHost,
  type DriveModel,
  type Evaluation,
  type EvaluationNode,
  type InputRequest,
  type MoreNode,
  type PropertyNode,
} from '../src/drive';
import { SessionModel } from '../src/model';
import { spawnLauncher } from '../src/process';
import { ErrorCodes, Method, Notification, type ConsoleMessage, type EvaluateResult } from '../src/protocol';
import { bdgBinary, once, serveFixtures, TempHome } from './support';

function message(seq: number, text = `m ${seq}`): ConsoleMessage {
  return { seq, level: 'log', source: 'console', type: 'log', text, timestamp: seq, navigationId: 1 };
}

function evaluation(id: number, afterSeq: number, result?: EvaluateResult, expression = `e${id}`): Evaluation {
  return { kind: 'evaluation', id: `eval:${id}`, session: 's', expression, afterSeq, timestamp: 0, result };
}

/** What errors.ts's describeError shows (errors.ts needs vscode): the message, then the hint. */
function describeErrorText(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const hint = errorHint(err);
  return hint ? `${message}. ${hint.charAt(0).toUpperCase()}${hint.slice(1)}` : message;
}

const labels = (rows: ReturnType<typeof consoleRows>): string[] =>
  rows.map((r) => (isEvaluationNode(r) ? (r.kind === 'evaluation' ? r.expression : r.kind) : r.text));

test('an evaluation shows above the messages it was asked after, below those that came later', () => {
  const messages = [message(9), message(7), message(4), message(2)]; // newest first
  assert.equal(consoleRows(messages, []), messages, 'no evaluation: the messages as they are');
  // Newest first: e3 after seq 7, e2 and e1 after seq 4 (e2 asked later), e0 before any message.
  const rows = consoleRows(messages, [evaluation(3, 7), evaluation(2, 4), evaluation(1, 4), evaluation(0, 0)]);
  assert.deepEqual(labels(rows), ['m 9', 'e3', 'm 7', 'e2', 'e1', 'm 4', 'm 2', 'e0']);
  assert.deepEqual(labels(consoleRows([], [evaluation(1, 5)])), ['e1']);
  assert.equal(isEvaluationNode(message(1)), false);
  assert.equal(isEvaluationNode(evaluation(1, 0)), true);
});

test('the log: pending, then answered or taken out; bounded; emptied', () => {
  const log = new EvaluationLog(3);
  let changes = 0;
  log.onDidChange(() => changes++);
  const a = log.add('s', '1+1', 0, 10);
  assert.deepEqual(a, { kind: 'evaluation', id: 'eval:1', session: 's', expression: '1+1', afterSeq: 0, timestamp: 10 });
  const b = log.add('s', 'x', 3);
  assert.equal(b.id, 'eval:2');
  assert.equal(log.settle(a, { type: 'number', value: 2, text: '2' }), true);
  assert.deepEqual(log.entries().map((e) => [e.id, e.result?.text]), [['eval:2', undefined], ['eval:1', '2']]);
  assert.equal(log.remove(b), true);
  assert.equal(log.remove(b), false);
  assert.equal(log.settle(b, { type: 'number', value: 1, text: '1' }), false, 'gone: not put back');
  for (let i = 0; i < 5; i++) log.add('s', `n${i}`, 0);
  assert.deepEqual(log.entries().map((e) => e.expression), ['n4', 'n3', 'n2'], 'the newest max kept');
  const before = changes;
  log.clear();
  assert.equal(log.size, 0);
  log.clear();
  assert.equal(changes, before + 1, 'emptying an empty log says nothing');
  assert.equal(log.add('s', 'y', 0).id, 'eval:8', 'ids are never used again');
});

test('the model holds the evaluations: they redraw the console and go with its rows', () => {
  const m = new SessionModel(100);
  m.reset('s', 'running');
  assert.equal(m.lastConsoleSeq, 0);
  m.apply({ method: Notification.ConsoleMessage, params: { session: 's', seq: 5, message: message(5) } });
  assert.equal(m.lastConsoleSeq, 5);
  const changes: Array<{ network: boolean; console: boolean }> = [];
  m.onDidChange((c) => changes.push(c));
  m.evaluations.add('s', '1', m.lastConsoleSeq);
  assert.deepEqual(changes, [{ network: false, console: true }]);
  m.newRun('s');
  assert.equal(m.evaluations.size, 0, 'a new run: no evaluation of the old one');
  m.evaluations.add('s', '2', 0);
  m.reset('other', 'running');
  assert.equal(m.evaluations.size, 0, 'another session: none either');
});

test('labels: "> expression", and its value, its exception, or "evaluating…"', () => {
  assert.equal(evaluationLabel('document.title'), '> document.title');
  assert.equal(evaluationLabel('  let a = 1;\n  a + 1  '), '> let a = 1; …');
  assert.equal(evaluationLabel('x'.repeat(300), 10), `> ${'x'.repeat(9)}…`);
  assert.equal(shortExpression('await fetch("/a")\n.then(r => r.status)'), 'await fetch("/a") …');
  assert.equal(evaluationText({}), 'evaluating…');
  assert.equal(evaluationText({ result: { type: 'string', value: 'Everything', text: '"Everything"' } }), '"Everything"');
  assert.equal(evaluationText({ result: { type: 'string', text: '"a\nb"' } }), '"a …');
  assert.equal(evaluationText({ result: { type: 'string', text: 'x'.repeat(50) } }, 10), `${'x'.repeat(9)}…`);
  const thrown: EvaluateResult = {
    type: 'object',
    subtype: 'error',
    text: 'Error: boom',
    exception: { text: 'Uncaught Error: boom', stack: '    at f (http://h/app.js:3:9)\n    at <anonymous>:1:1' },
  };
  assert.equal(evaluationText({ result: thrown }), 'Uncaught Error: boom');
  assert.equal(evaluationTooltip({ expression: 'f()', result: thrown }), '> f()\nUncaught Error: boom\n    at f (http://h/app.js:3:9)\n    at <anonymous>:1:1');
  assert.equal(
    evaluationTooltip({ expression: 'document.body', result: { type: 'object', subtype: 'node', className: 'HTMLBodyElement', text: 'body', valueOmitted: 'not serializable' } }),
    '> document.body\n< body\n(object node HTMLBodyElement; no JSON value: not serializable)',
  );
  assert.equal(evaluationTooltip({ expression: '1+1', result: { type: 'number', value: 2, text: '2' } }), '> 1+1\n< 2\n(number)');
  assert.equal(evaluationTooltip({ expression: '1+1' }), '> 1+1\nevaluating…');
});

test('icons: the kind of the value, an exception, a spinner while it runs', () => {
  const icon = (result?: EvaluateResult): string => nodeIcon(evaluation(1, 0, result));
  assert.equal(icon(), 'loading~spin');
  assert.equal(icon({ type: 'string', text: '"a"' }), 'symbol-string');
  assert.equal(icon({ type: 'number', text: '2' }), 'symbol-number');
  assert.equal(icon({ type: 'bigint', text: '10n' }), 'symbol-number');
  assert.equal(icon({ type: 'boolean', text: 'true' }), 'symbol-boolean');
  assert.equal(icon({ type: 'undefined', text: 'undefined' }), 'symbol-null');
  assert.equal(icon({ type: 'object', subtype: 'null', text: 'null' }), 'symbol-null');
  assert.equal(icon({ type: 'object', subtype: 'array', text: '(1) [1]' }), 'symbol-array');
  assert.equal(icon({ type: 'object', subtype: 'node', text: 'body' }), 'symbol-structure');
  assert.equal(icon({ type: 'object', text: '{}' }), 'symbol-object');
  assert.equal(icon({ type: 'function', text: 'ƒ f()' }), 'symbol-function');
  assert.equal(icon({ type: 'object', text: 'x', exception: { text: 'Uncaught x' } }), 'error');
  const prop = (value: unknown): string => nodeIcon({ kind: 'property', id: 'p', key: 'k', value });
  assert.deepEqual([prop('a'), prop(1), prop(true), prop(null), prop([]), prop({})], [
    'symbol-string', 'symbol-number', 'symbol-boolean', 'symbol-null', 'symbol-array', 'symbol-object',
  ]);
  assert.equal(nodeIcon({ kind: 'stack', id: 's', text: 'at f' }), 'debug-stackframe');
  assert.equal(nodeIcon({ kind: 'more', id: 'm', count: 1 }), 'ellipsis');
});

test('previews as DevTools shows them: (3) [1, 2, 3], {a: 1, b: Array(3), c: {…}}', () => {
  assert.equal(previewValue(42), '42');
  assert.equal(previewValue('text'), '"text"');
  assert.equal(previewValue(null), 'null');
  assert.equal(previewValue(true), 'true');
  assert.equal(previewValue([]), '[]');
  assert.equal(previewValue({}), '{}');
  assert.equal(previewValue([1, 2, 3]), '(3) [1, 2, 3]');
  assert.equal(previewValue({ a: 1, b: [1, 2, 3], c: { d: 1 }, e: {}, 'x-y': 'z' }), '{a: 1, b: Array(3), c: {…}, e: {}, "x-y": "z"}');
  assert.equal(previewValue([[1], { a: 1 }, null]), '(3) [Array(1), {…}, null]');
  const long = previewValue(Array.from({ length: 100 }, (_, i) => i), 20);
  assert.equal(long, '(100) [0, 1, 2, 3, 4, 5, 6, …]');
  assert.equal(previewValue(['x'.repeat(100)], 20), '(1) […]');
  assert.equal(previewValue('x'.repeat(200), 12), '"xxxxxxxxx…"');
  assert.equal(previewValue({ s: 'y'.repeat(100) }, 200), `{s: "${'y'.repeat(37)}…"}`);
});

test('the children of a value: its properties, recursively, lazily; a big one cut with "… N more"', () => {
  const value = { title: 'Everything', list: [1, [2, 3]], nested: { deep: { x: null } }, empty: [], 'a/b': 1 };
  const e = evaluation(7, 0, { type: 'object', value, text: '{title: "Everything", …}' });
  assert.equal(hasChildren(e), true);
  const kids = nodeChildren(e) as PropertyNode[];
  assert.deepEqual(kids.map((k) => [k.id, propertyLabel(k), hasChildren(k)]), [
    ['eval:7/title', 'title: "Everything"', false],
    ['eval:7/list', 'list: (2) [1, Array(2)]', true],
    ['eval:7/nested', 'nested: {deep: {…}}', true],
    ['eval:7/empty', 'empty: []', false],
    ['eval:7/a%2Fb', '"a/b": 1', false],
  ]);
  const list = nodeChildren(kids[1]) as PropertyNode[];
  assert.deepEqual(list.map((k) => [k.id, propertyLabel(k)]), [['eval:7/list/0', '0: 1'], ['eval:7/list/1', '1: (2) [2, 3]']]);
  assert.deepEqual((nodeChildren(list[1]) as PropertyNode[]).map(propertyLabel), ['0: 2', '1: 3']);
  const deep = nodeChildren(nodeChildren(kids[2])[0]) as PropertyNode[];
  assert.deepEqual(deep.map((k) => [k.id, propertyLabel(k)]), [['eval:7/nested/deep/x', 'x: null']]);

  const big = valueChildren('eval:1', Array.from({ length: 1234 }, (_, i) => i), 1000);
  assert.equal(big.length, 1001);
  const more = big[1000] as MoreNode;
  assert.deepEqual(more, { kind: 'more', id: 'eval:1/…', count: 234 });
  assert.equal(moreLabel({ kind: 'more', id: 'm', count: 12345 }), '… 12,345 more');
  assert.deepEqual(nodeChildren(more), []);

  // Nothing to expand: primitives, empty ones, a value with no JSON, a pending evaluation.
  for (const v of [1, 'a', null, undefined, [], {}]) assert.equal(hasProperties(v), false, JSON.stringify(v));
  assert.equal(hasChildren(evaluation(2, 0, { type: 'number', value: 2, text: '2' })), false);
  assert.equal(hasChildren(evaluation(3, 0, { type: 'object', subtype: 'node', text: 'body', valueOmitted: 'not serializable' })), false);
  assert.equal(hasChildren(evaluation(4, 0)), false);
  assert.deepEqual(nodeChildren(evaluation(4, 0)), []);
});

test("an exception's children: the frames of its stack, linked to their source", () => {
  const e = evaluation(5, 0, {
    type: 'object',
    text: 'Error: boom',
    exception: {
      text: 'Uncaught Error: boom',
      stack: '    at f (http://127.0.0.1:8080/app.js:3:9)\n    at http://127.0.0.1:8080/x.js:10:2\n    at <anonymous>:1:1\n',
    },
  });
  assert.equal(hasChildren(e), true);
  const frames = nodeChildren(e);
  assert.deepEqual(frames, [
    { kind: 'stack', id: 'eval:5/stack/0', text: 'at f (http://127.0.0.1:8080/app.js:3:9)', location: { url: 'http://127.0.0.1:8080/app.js', line: 3, column: 9 } },
    { kind: 'stack', id: 'eval:5/stack/1', text: 'at http://127.0.0.1:8080/x.js:10:2', location: { url: 'http://127.0.0.1:8080/x.js', line: 10, column: 2 } },
    { kind: 'stack', id: 'eval:5/stack/2', text: 'at <anonymous>:1:1' },
  ]);
  // No stack: where it was thrown, if known; else nothing to expand.
  assert.deepEqual(stackNodes('p', { text: 'Uncaught 42', url: 'http://h/a.js', line: 2, column: 5 }).map((n) => n.text), ['at http://h/a.js:2:5']);
  assert.equal(hasChildren(evaluation(6, 0, { type: 'number', text: '42', exception: { text: 'Uncaught 42' } })), false);
  assert.deepEqual(stackLocation('at file:///tmp/a.js:1'), { url: 'file:///tmp/a.js', line: 1, column: 1 });
  assert.equal(stackLocation('at foo (native)'), undefined);
});

test('params, input checks, and what the results say', () => {
  assert.deepEqual(evaluateParams('s', ' 1+1 '), { session: 's', expression: ' 1+1 ', awaitPromise: true });
  assert.equal(validateExpression('  '), 'Enter a JavaScript expression, such as document.title');
  assert.equal(validateExpression('1'), undefined);
  assert.equal(validateUrl(''), 'Enter a URL, such as http://localhost:3000/');
  assert.equal(validateUrl('x'), undefined);
  assert.equal(
    navigationMessage('reloaded', { navigationId: 4, url: 'http://127.0.0.1:8080/everything.html', waitedFor: 'load' }),
    'BDG: reloaded 127.0.0.1:8080/everything.html (navigation 4, loaded)',
  );
  assert.equal(
    navigationMessage('navigated to', { navigationId: 5, url: 'http://h/#x', waitedFor: 'sameDocument' }),
    'BDG: navigated to h/ (navigation 5, within the document)',
  );
  assert.equal(
    navigationMessage('navigated to', { navigationId: 2, url: 'http://h/', waitedFor: 'backForwardCache' }),
    'BDG: navigated to h/ (navigation 2, from the back/forward cache)',
  );
  assert.equal(
    screenshotSummary({ path: '/home/me/.bdg/sessions/default/shot.png', format: 'png', size: 46_182, width: 1280, height: 720 }),
    'screenshot 1280×720 png, 45.1 kB: /home/me/.bdg/sessions/default/shot.png',
  );
  // An older backend: told so, with a hint; other errors as they are.
  const missing = explainError(new ResponseError(ErrorCodes.MethodNotFound, 'Unhandled method page/screenshot'), Method.PageScreenshot);
  assert.ok(isRpcError(missing));
  assert.equal(describeErrorText(missing), 'this bdg-rpc has no page/screenshot: it is older than the extension. Update bdg-rpc (make build), or point the bdg.path setting at a newer one');
  const other = new ResponseError(ErrorCodes.NoSession, 'no session', { kind: 'no_session', hint: 'start one' });
  assert.equal(explainError(other, Method.PageReload), other);
});

// ---- The commands, with a fake host ----

interface Recorded {
  calls: Array<[string, unknown]>;
  asked: InputRequest[];
  infos: string[];
  statuses: string[];
  errors: Array<[string, string]>;
  opened: string[];
  revealed: number;
  logs: string[];
  state: Map<string, unknown>;
}

/** A host whose calls answer from answers (a function of method and params), recording everything. */
function fakeHost(answers: (method: string, params: unknown) => unknown, typed: Array<string | undefined> = []): { host: DriveHost; rec: Recorded } {
  const rec: Recorded = { calls: [], asked: [], infos: [], statuses: [], errors: [], opened: [], revealed: 0, logs: [], state: new Map() };
  const host: DriveHost = {
    call: async (method, params) => {
      rec.calls.push([method, params]);
      const a = answers(method, params);
      if (a instanceof Error) throw a;
      return a as never;
    },
    state: {
      get: <T>(key: string) => rec.state.get(key) as T | undefined,
      update: async (key, value) => {
        rec.state.set(key, value);
      },
    },
    ask: async (r) => {
      rec.asked.push(r);
      return typed.shift();
    },
    busy: (_title, task) => task(),
    status: (m) => rec.statuses.push(m),
    info: (m) => rec.infos.push(m),
    error: async (what, err) => {
      rec.errors.push([what, describeErrorText(err)]);
    },
    openFile: async (p) => {
      rec.opened.push(p);
    },
    revealConsole: async () => {
      rec.revealed++;
    },
    log: (l) => rec.logs.push(l),
  };
  return { host, rec };
}

function fakeModel(phase = 'running'): DriveModel & { evaluations: EvaluationLog } {
  return { session: 's', phase, targetUrl: 'http://h/page', evaluations: new EvaluationLog(), lastConsoleSeq: 12 };
}

test('Evaluate…: asks (the last expression offered), shows "> expression" at once, then its value', async () => {
  let answer!: (r: EvaluateResult) => void;
  const pending = new Promise<EvaluateResult>((r) => (answer = r));
  const model = fakeModel();
  const { host, rec } = fakeHost(() => pending, ['document.title', '1+1']);
  rec.state.set(LAST_EXPRESSION_KEY, 'window.x');
  const d = new Drive(model, host);
  const done = d.evaluate();
  await new Promise((r) => setImmediate(r));
  assert.equal(rec.asked[0].value, 'window.x', 'the last expression is offered');
  assert.equal(rec.asked[0].validate?.(''), validateExpression(''));
  assert.deepEqual(rec.calls, [[Method.PageEvaluate, { session: 's', expression: 'document.title', awaitPromise: true }]]);
  const [e] = model.evaluations.entries();
  assert.deepEqual([e.expression, e.afterSeq, e.result], ['document.title', 12, undefined], 'shown while it runs');
  assert.equal(rec.revealed, 1);
  answer({ type: 'string', value: 'Everything', text: '"Everything"' });
  await done;
  assert.equal(evaluationText(model.evaluations.entries()[0]), '"Everything"');
  assert.equal(rec.state.get(LAST_EXPRESSION_KEY), 'document.title');
  await d.evaluate();
  assert.equal(rec.asked[1].value, 'document.title');
  assert.equal(model.evaluations.size, 2);
});

test('Evaluate…: dismissed or blank, nothing is called; an argument asks nothing; an error is shown, the entry goes', async () => {
  const model = fakeModel();
  const fail = new ResponseError(ErrorCodes.InvalidArgs, 'give "frame" or "target", not both', { kind: 'invalid_args', hint: 'see the docs' });
  const { host, rec } = fakeHost((_m, p) => ((p as { expression: string }).expression === 'bad' ? fail : { type: 'number', value: 2, text: '2' }), [undefined, '   ']);
  const d = new Drive(model, host);
  await d.evaluate();
  await d.evaluate();
  assert.deepEqual(rec.calls, []);
  assert.equal(model.evaluations.size, 0);
  await d.evaluate('1+1');
  assert.equal(rec.asked.length, 2, 'an argument: no input box');
  assert.equal(model.evaluations.entries()[0].result?.text, '2');
  await d.evaluate('bad');
  assert.equal(model.evaluations.size, 1, 'the failed one is taken out');
  assert.deepEqual(rec.errors, [['could not evaluate bad', 'give "frame" or "target", not both. See the docs']]);
});

test('no running session: each command says so and calls nothing', async () => {
  for (const phase of ['idle', 'starting', 'ended', 'reconnecting']) {
    const { host, rec } = fakeHost(() => ({}), ['x']);
    const d = new Drive(fakeModel(phase), host);
    await d.evaluate();
    await d.reload();
    await d.navigate();
    await d.screenshot();
    assert.deepEqual(rec.calls, [], phase);
    assert.deepEqual(rec.asked, [], phase);
    assert.deepEqual(rec.infos, Array(4).fill(NO_RUNNING_SESSION), phase);
  }
});

test('Reload Page, Navigate… (the page URL offered) and Take Screenshot', async () => {
  const model = fakeModel();
  const { host, rec } = fakeHost(
    (method, params) => {
      if (method === Method.PageReload) return { navigationId: 3, url: 'http://h/page', waitedFor: 'load' };
      if (method === Method.PageNavigate) {
        const { url } = params as { url: string };
        return url === 'http://h/bad' ? new ResponseError(ErrorCodes.CdpError, 'net::ERR_NAME_NOT_RESOLVED') : { navigationId: 4, url, waitedFor: 'load' };
      }
      if (method === Method.PageScreenshot) return { path: '/tmp/s/shot.png', format: 'png', size: 2048, width: 800, height: 600 };
      return new ResponseError(ErrorCodes.MethodNotFound, `Unhandled method ${method}`);
    },
    [' http://h/other ', undefined, 'http://h/bad'],
  );
  const d = new Drive(model, host);
  await d.reload();
  assert.deepEqual(rec.calls.pop(), [Method.PageReload, { session: 's' }]);
  assert.deepEqual(rec.statuses, ['BDG: reloaded h/page (navigation 3, loaded)']);
  assert.deepEqual(rec.logs, ['[client] reloaded h/page (navigation 3, loaded)']);

  await d.navigate();
  assert.equal(rec.asked[0].value, 'http://h/page', "the page's URL is offered");
  assert.deepEqual(rec.calls.pop(), [Method.PageNavigate, { session: 's', url: 'http://h/other' }]);
  assert.equal(rec.statuses[1], 'BDG: navigated to h/other (navigation 4, loaded)');
  await d.navigate();
  assert.equal(rec.calls.length, 0, 'dismissed: nothing called');
  await d.navigate();
  assert.deepEqual(rec.errors.pop(), ['could not navigate to http://h/bad', 'net::ERR_NAME_NOT_RESOLVED']);
  await d.navigate('http://h/arg');
  assert.equal(rec.asked.length, 3, 'an argument: no input box');
  assert.deepEqual(rec.calls.pop(), [Method.PageNavigate, { session: 's', url: 'http://h/arg' }]);

  await d.screenshot();
  assert.deepEqual(rec.calls.pop(), [Method.PageScreenshot, { session: 's' }]);
  assert.deepEqual(rec.opened, ['/tmp/s/shot.png']);
  assert.equal(rec.logs.at(-1), '[client] s: screenshot 800×600 png, 2.0 kB: /tmp/s/shot.png');
  assert.equal(rec.errors.length, 0);
});

test('an older backend without the method: the error says so', async () => {
  const { host, rec } = fakeHost((method) => new ResponseError(ErrorCodes.MethodNotFound, `Unhandled method ${method}`));
  await new Drive(fakeModel(), host).screenshot();
  assert.deepEqual(rec.opened, []);
  assert.deepEqual(rec.errors, [
    [
      'could not take a screenshot of session s',
      'this bdg-rpc has no page/screenshot: it is older than the extension. Update bdg-rpc (make build), or point the bdg.path setting at a newer one',
    ],
  ]);
});

// ---- Against the real bdg-rpc ----

let fixtures: Awaited<ReturnType<typeof serveFixtures>>;
const cleanups: Array<() => Promise<void> | void> = [];

before(async () => {
  fixtures = await serveFixtures();
});
after(async () => {
  await fixtures.close();
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

test('the commands against bin/bdg-rpc: evaluate, reload, navigate, screenshot', async (t) => {
  const home = new TempHome();
  cleanups.push(() => home.cleanup());
  const client = new BackendClient({ launch: spawnLauncher({ command: bdgBinary(), env: home.env() }), backoffMs: [50, 200] });
  cleanups.push(async () => {
    for (const s of client.followedSessions) await client.stopSession(s).catch(() => undefined);
    await client.dispose();
  });
  const model = new SessionModel();
  client.onEvent((ev) => model.apply(ev));
  model.reset('default', 'starting');
  const done = once(client.onEvent, (e) => e.method === Notification.ConsoleMessage && e.params.message.text === 'everything done');
  const started = await client.startSession({ url: fixtures.url('/everything.html'), headless: true });
  model.targetUrl = started.target.url;
  model.setPhase('running');
  await done;

  const { host, rec } = fakeHost(() => undefined);
  host.call = (method, params) => {
    rec.calls.push([method, params]);
    return client.call(method, params);
  };
  const d = new Drive(model, host);

  await d.evaluate('document.title');
  await d.evaluate('({n: 1, list: [1, 2, {deep: true}]})');
  await d.evaluate('await new Promise((r) => setTimeout(() => r(42), 10))');
  await d.evaluate('(function boom() { throw new Error("boom"); })()');
  await d.evaluate('document.body');
  assert.deepEqual(rec.errors, []);
  const [body, thrown, awaited, obj, title] = model.evaluations.entries();
  assert.equal(evaluationText(title), '"Everything"');
  assert.equal(evaluationText(awaited), '42');
  assert.equal(hasChildren(obj), true);
  const props = nodeChildren(obj) as PropertyNode[];
  assert.deepEqual(props.map(propertyLabel), ['n: 1', 'list: (3) [1, 2, {…}]']);
  assert.deepEqual((nodeChildren(nodeChildren(props[1])[2]) as PropertyNode[]).map(propertyLabel), ['deep: true']);
  assert.match(evaluationText(thrown), /^Uncaught Error: boom/);
  const frames = nodeChildren(thrown) as EvaluationNode[];
  assert.ok(frames.length > 0 && frames.every((f) => f.kind === 'stack'), JSON.stringify(frames));
  assert.match(frames.map((f) => (f.kind === 'stack' ? f.text : '')).join('\n'), /boom/);
  assert.equal(body.result?.subtype, 'node');
  assert.equal(hasChildren(body), false, 'a node has no JSON value');

  // What the page logs while evaluating shows above the evaluation.
  const logged = once(client.onEvent, (e) => e.method === Notification.ConsoleMessage && e.params.message.text === 'from eval');
  await d.evaluate('console.log("from eval"), 7');
  await logged;
  const rows = consoleRows(model.messages(), model.evaluations.entries());
  const at = (pred: (r: (typeof rows)[number]) => boolean): number => rows.findIndex(pred);
  assert.ok(
    at((r) => !isEvaluationNode(r) && r.text === 'from eval') < at((r) => isEvaluationNode(r) && r.kind === 'evaluation' && r.expression.startsWith('console.log')),
    labels(rows).slice(0, 5).join(' | '),
  );

  await d.reload();
  assert.equal(rec.errors.length, 0, JSON.stringify(rec.errors));
  assert.match(rec.statuses.at(-1) ?? '', /^BDG: reloaded 127\.0\.0\.1:\d+\/everything\.html \(navigation \d+, loaded\)$/);
  await d.navigate(fixtures.url('/everything.html?again'));
  assert.match(rec.statuses.at(-1) ?? '', /^BDG: navigated to 127\.0\.0\.1:\d+\/everything\.html\?again \(navigation \d+, loaded\)$/);
  await d.navigate('not a url at all');
  assert.equal(rec.errors.length, 1);
  assert.match(rec.errors[0][0], /could not navigate to not a url at all/);

  const methods = client.serverInfo?.capabilities.methods ?? [];
  if (!methods.includes(Method.PageScreenshot)) {
    t.diagnostic(`this bdg-rpc has no ${Method.PageScreenshot}: its part is skipped`);
    return;
  }
  await d.screenshot();
  assert.equal(rec.errors.length, 1, JSON.stringify(rec.errors));
  assert.equal(rec.opened.length, 1);
  const png = readFileSync(rec.opened[0]);
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'a PNG');
  assert.match(rec.logs.at(-1) ?? '', /^\[client\] default: screenshot \d+×\d+ png, /);
});
