// The client against the real `bdg-rpc serve` (bin/bdg-rpc), with sessions
// on headless Chromium against fixture pages served here.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { after, afterEach, before, test } from 'node:test';
import { promisify } from 'node:util';
import { CancellationTokenSource } from 'vscode-jsonrpc/node';
import { BackendClient, isRpcError } from '../src/client';
import { spawnLauncher } from '../src/process';
import { ErrorCodes, Method, Notification, type ConsoleMessage, type NetworkRequest, type SessionEvent } from '../src/protocol';
import { bdgBinary, once, proxied, serveFixtures, splitInsideChars, TempHome } from './support';

let fixtures: Awaited<ReturnType<typeof serveFixtures>>;
const cleanups: Array<() => Promise<void> | void> = [];

before(async () => {
  fixtures = await serveFixtures();
});
after(async () => {
  await fixtures.close();
});
afterEach(async () => {
  // Newest first: clients are disposed before their BDG_HOME goes.
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A client of bin/bdg-rpc serve in a fresh BDG_HOME, cleaned up after the test. */
function realClient(seed?: number): { client: BackendClient; home: TempHome; stats?: ReturnType<typeof proxied> } {
  const home = new TempHome();
  cleanups.push(() => home.cleanup());
  const base = spawnLauncher({ command: bdgBinary(), env: home.env() });
  const stats = seed === undefined ? undefined : proxied(base, seed);
  const client = new BackendClient({
    launch: stats?.launch ?? base,
    clientInfo: { name: 'bdg-ext-test', version: '0' },
    backoffMs: [50, 200],
  });
  const log: string[] = [];
  client.onLog((l) => log.push(l));
  cleanups.push(async () => {
    for (const s of client.followedSessions) await client.stopSession(s).catch(() => undefined);
    await client.dispose();
  });
  cleanups.push(() => {
    // Shown only when the test failed: node prints diagnostics with the result.
    if (process.exitCode) console.error(log.join('\n'));
  });
  return { client, home, stats };
}

/** Collects a session's events. */
function collect(client: BackendClient, session = 'default'): {
  console: ConsoleMessage[];
  requests: Map<string, NetworkRequest>;
  events: SessionEvent[];
} {
  const out = { console: [] as ConsoleMessage[], requests: new Map<string, NetworkRequest>(), events: [] as SessionEvent[] };
  client.onEvent((ev) => {
    if (ev.params.session !== session) return;
    out.events.push(ev);
    if (ev.method === Notification.ConsoleMessage) out.console.push(ev.params.message);
    if (ev.method.startsWith('network/') && 'request' in ev.params) out.requests.set(ev.params.request.requestId, ev.params.request);
  });
  return out;
}

function waitConsole(client: BackendClient, text: string, timeoutMs = 30_000): Promise<SessionEvent> {
  return withTimeout(
    once(client.onEvent, (e) => e.method === Notification.ConsoleMessage && e.params.message.text === text),
    timeoutMs,
    `console message ${JSON.stringify(text)}`,
  );
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

function assertIncreasing(events: SessionEvent[]): void {
  for (let i = 1; i < events.length; i++) {
    assert.ok(events[i].params.seq > events[i - 1].params.seq, `seq ${events[i].params.seq} after ${events[i - 1].params.seq}`);
  }
}

test('everything.html through a proxy that re-chunks bytes at random boundaries', async () => {
  const { client, home, stats } = realClient(0xbd9);
  const got = collect(client);
  const init = await client.start();
  assert.equal(init.serverInfo.name, 'bdg-rpc');
  assert.equal(init.protocolVersion, '1');

  const progress: string[] = [];
  client.onProgress((p) => progress.push(p.kind));
  const done = waitConsole(client, 'everything done');
  const started = await client.startSession({ url: fixtures.url('/everything.html'), headless: true });
  assert.equal(started.session, 'default');
  assert.ok(started.pid > 0);
  assert.deepEqual([progress[0], progress[progress.length - 1]], ['begin', 'end']);
  await done;

  const texts = got.console.map((m) => m.text);
  for (const t of ['a debug line', 'an info line', 'a warning line', 'an error line', 'everything done']) {
    assert.ok(texts.includes(t), `console has ${JSON.stringify(t)}: ${JSON.stringify(texts)}`);
  }
  assert.ok(texts.some((t) => t.startsWith('hello from the fixture')), 'the first log line');
  const levels = new Map(got.console.map((m) => [m.text, m.level]));
  assert.equal(levels.get('a warning line'), 'warning');
  assert.equal(levels.get('an error line'), 'error');
  const exception = got.console.find((m) => m.source === 'exception');
  assert.ok(exception, 'the uncaught exception');
  assert.match(exception.text, /fixture exception/);

  // The fetches end after the page's last log line may have come: wait for both.
  const finished = (path: string): NetworkRequest | undefined =>
    [...got.requests.values()].find((r) => r.url.endsWith(path) && (r.state === 'finished' || r.state === 'failed'));
  await withTimeout(
    once(client.onEvent, () => finished('/data.json') !== undefined && finished('/missing') !== undefined),
    10_000,
    'the two fetches to finish',
  ).catch(() => undefined);
  const data = finished('/data.json');
  const missing = finished('/missing');
  assert.ok(data && missing, `requests: ${[...got.requests.values()].map((r) => `${r.url} ${r.state}`).join(', ')}`);
  assert.equal(data.status, 200);
  assert.equal(missing.status, 404);
  assertIncreasing(got.events);

  // network/get with the body, through the proxy too.
  const full = await client.call(Method.NetworkGet, { requestId: data.requestId, body: true });
  assert.deepEqual(JSON.parse(full.request.responseBody ?? ''), { n: 42 });
  await assert.rejects(client.call(Method.NetworkGet, { requestId: 'no-such-id' }), (e: unknown) => isRpcError(e) && e.data?.kind === 'not_found');

  const stop = await client.stopSession('default');
  assert.ok(existsSync(stop.outputPath), stop.outputPath);
  const saved = JSON.parse(readFileSync(stop.outputPath, 'utf8')) as { data: { console: ConsoleMessage[] } };
  assert.ok(saved.data.console.some((m) => m.text === 'everything done'));
  assert.ok(stop.outputPath.startsWith(home.dir));

  // Whether a random piece happens to span two messages depends on how the
  // backend's writes are timed; framing.test.ts checks several messages in
  // one chunk deterministically. Here the bytes must have been split.
  assert.ok(stats !== undefined);
  assert.ok(stats.toClient.chunks > got.events.length, 'messages were split across chunks');
  assert.ok(stats.toBackend.chunks > 4, 'requests were split too');
});

test('multi-byte text split inside characters arrives intact', async () => {
  const { client, stats } = realClient(42);
  const got = collect(client);
  const n = 300;
  const done = waitConsole(client, 'utf8 done ✓');
  await client.startSession({ url: fixtures.url(`/utf8.html?n=${n}`), headless: true });
  await done;
  const lines = got.console.filter((m) => m.text.startsWith('héllo'));
  assert.equal(lines.length, n);
  lines.forEach((m, i) => assert.equal(m.text, `héllo wörld — 日本語 🎉 ${i} ${'ü'.repeat(i % 17)}`));
  assert.ok(stats && stats.toClient.insideChar > 0, `${stats?.toClient.insideChar} chunks began inside a character`);
  await client.stopSession('default');
});

test('a line split across chunks at every byte of a multi-byte character arrives intact', async () => {
  const home = new TempHome();
  cleanups.push(() => home.cleanup());
  const split = splitInsideChars(spawnLauncher({ command: bdgBinary(), env: home.env() }));
  const client = new BackendClient({ launch: split.launch, clientInfo: { name: 'bdg-ext-test', version: '0' } });
  cleanups.push(async () => {
    await client.stopSession('default').catch(() => undefined);
    await client.dispose();
  });
  const got = collect(client);
  const n = 60;
  const done = waitConsole(client, 'utf8 done ✓');
  await client.startSession({ url: fixtures.url(`/utf8.html?n=${n}`), headless: true });
  await done;
  const lines = got.console.filter((m) => m.text.startsWith('héllo'));
  assert.equal(lines.length, n);
  lines.forEach((m, i) => assert.equal(m.text, `héllo wörld — 日本語 🎉 ${i} ${'ü'.repeat(i % 17)}`));
  // Every line with é, ö, —, 日本語, 🎉 came in pieces, cut before each of
  // their bytes but the first.
  assert.ok(split.stats.lines >= n, `${split.stats.lines} lines split`);
  assert.equal(split.stats.insideChar, split.stats.continuationBytes);
  assert.ok(split.stats.insideChar >= n * 17, `${split.stats.insideChar} chunks began inside a character`);
  await client.stopSession('default');
});

test('a 5,000-message burst arrives whole and in order', async () => {
  const { client } = realClient();
  const got = collect(client);
  const n = 5000;
  // The page logs its last line with the time it took: match its start.
  const last = withTimeout(
    once(client.onEvent, (e) => e.method === Notification.ConsoleMessage && e.params.message.text.startsWith(`burst done ${n} `)),
    60_000,
    'the end of the burst',
  );
  await client.startSession({ url: fixtures.url(`/console-burst.html?n=${n}`), headless: true });
  await last;
  const burst = got.console.filter((m) => /^burst \d+$/.test(m.text)).map((m) => Number(m.text.slice(6)));
  assert.equal(burst.length, n);
  assert.deepEqual(burst, Array.from({ length: n }, (_, i) => i), 'every message once, in order');
  assertIncreasing(got.events);
  const seqs = got.console.map((m) => m.seq);
  assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), 'console seqs in order');
  await client.stopSession('default');
});

test('the backend killed twice while events flow: every number exactly once', async () => {
  const { client } = realClient();
  const got = collect(client);
  const reattached: number[] = [];
  client.onReattached((r) => {
    assert.equal(r.error, undefined, r.error?.message);
    reattached.push(r.since);
  });
  const n = 400;
  const done = waitConsole(client, 'seq done', 60_000);
  await client.startSession({ url: fixtures.url(`/sequence.html?n=${n}&ms=5`), headless: true });
  const pids: number[] = [];
  for (const at of [40, 200]) {
    await withTimeout(once(client.onEvent, (e) => e.method === Notification.ConsoleMessage && e.params.message.text === `seq ${at}`), 30_000, `seq ${at}`);
    const pid = client.backendPid;
    assert.ok(pid);
    pids.push(pid);
    process.kill(pid, 'SIGKILL');
    await withTimeout(once(client.onReattached), 15_000, 're-attach');
  }
  await done;
  const numbers = got.console.filter((m) => /^seq \d+$/.test(m.text)).map((m) => Number(m.text.slice(4)));
  assert.deepEqual(numbers, Array.from({ length: n }, (_, i) => i + 1), 'each number once, in order');
  assertIncreasing(got.events);
  assert.equal(reattached.length, 2);
  assert.ok(reattached[0] > 0 && reattached[1] > reattached[0], `re-attached since ${reattached.join(', ')}`);
  assert.notEqual(client.backendPid, pids[1]);
  // The worker outlived both backends.
  const status = await client.call(Method.SessionStatus, { session: 'default' });
  assert.equal(status.state, 'running');
  await client.stopSession('default');
});

test('a session started again while the backend was down: re-attached with its epoch, the new run from seq 1', async () => {
  const { client, home } = realClient();
  const got = collect(client);
  const first = waitConsole(client, 'seq done', 60_000);
  const started = await client.startSession({ url: fixtures.url('/sequence.html?n=60&ms=2'), headless: true });
  assert.match(started.epoch, /^[0-9a-f]+$/, 'session/start reports the run');
  assert.equal(client.epoch('default'), started.epoch);
  await first;
  const since = client.lastSeq('default');
  assert.ok(since !== undefined && since > 60, String(since));
  const pid = client.backendPid;
  assert.ok(pid);
  // The backend hangs; meanwhile the session is stopped and started again
  // from the command line: another run, whose seqs start again at 1.
  process.kill(pid, 'SIGSTOP');
  try {
    // Not execFileSync: the fixture server answers from this process.
    const cli = (...args: string[]) => promisify(execFile)(bdgBinary(), args, { env: home.env(), timeout: 60_000 });
    await cli('stop', '--session', 'default');
    await cli('start', '--session', 'default', '--headless', fixtures.url('/sequence.html?n=10&ms=2'));
  } finally {
    process.kill(pid, 'SIGKILL');
  }
  const mark = got.events.length;
  const resets: string[] = [];
  client.onReset((r) => {
    assert.equal(got.events.length, mark, 'told before any event of the new run');
    resets.push(r.result.epoch);
  });
  const reattached = withTimeout(once(client.onReattached), 15_000, 'the re-attach');
  const second = waitConsole(client, 'seq done', 30_000);
  const r = await reattached;
  assert.equal(r.error, undefined, r.error?.message);
  assert.equal(r.since, since, 'the last seq seen');
  assert.equal(r.epoch, started.epoch, 'passed with the epoch of its run');
  assert.equal(r.result?.reset, true, 'the backend says reset');
  assert.ok(r.result && r.result.epoch !== started.epoch, 'a new run');
  await second;
  assert.deepEqual(resets, [r.result.epoch]);
  assert.equal(client.epoch('default'), r.result.epoch, 'the new run followed');
  const fresh = got.events.slice(mark);
  assert.equal(fresh[0]?.params.seq, 1, 'the new run from its first event');
  assertIncreasing(fresh);
  const numbers = fresh
    .filter((e) => e.method === Notification.ConsoleMessage && /^seq \d+$/.test(e.params.message.text))
    .map((e) => (e.method === Notification.ConsoleMessage ? Number(e.params.message.text.slice(4)) : 0));
  assert.deepEqual(numbers, Array.from({ length: 10 }, (_, i) => i + 1), 'each of the new run\'s messages once');
  await client.stopSession('default');
});

test('session/list, session/attach from a second client, errors with hints', async () => {
  const { client, home } = realClient();
  const done = waitConsole(client, 'everything done');
  await client.startSession({ url: fixtures.url('/everything.html'), headless: true });
  await done;

  await assert.rejects(client.startSession({ url: fixtures.url('/everything.html'), headless: true }), (e: unknown) => {
    assert.ok(isRpcError(e));
    assert.equal(e.data?.kind, 'already_running');
    assert.ok(e.data?.hint && e.data.hint.length > 0, 'a hint');
    return true;
  });
  // A failed start must not stop the session being followed.
  assert.deepEqual(client.followedSessions, ['default']);

  const list = await client.call(Method.SessionList, undefined);
  assert.deepEqual(list.sessions.map((s) => [s.session, s.state]), [['default', 'running']]);

  // A second client, as after a restart of the editor, replays from since 0.
  const second = new BackendClient({ launch: spawnLauncher({ command: bdgBinary(), env: home.env() }) });
  cleanups.push(() => second.dispose());
  const replay = collect(second);
  // Replayed events may come before attach's result: listen first.
  const replayed = once(second.onEvent, (e) => e.method === Notification.ConsoleMessage && e.params.message.text === 'everything done');
  const r = await second.attach('default', 0);
  assert.equal(r.status.state, 'running');
  await withTimeout(replayed, 10_000, 'the replay');
  assert.equal(replay.events[0]?.params.seq, 1, 'the replay starts at the first event');
  assert.ok(replay.console.some((m) => m.text === 'an error line'));

  await assert.rejects(second.attach('nope'), (e: unknown) => isRpcError(e) && e.data?.kind === 'no_session');
  const ended = once(second.onEvent, (e) => e.method === Notification.SessionEnded);
  await client.stopSession('default');
  const ev = await withTimeout(ended, 10_000, 'session/ended on the second client');
  assert.equal(ev.method === Notification.SessionEnded && ev.params.reason, 'stopped');
});

test('cancelling session/start (the progress notification\'s Cancel) ends the worker it was starting', async () => {
  const { client } = realClient();
  await client.start();
  const cancel = new CancellationTokenSource();
  // Cancel at the first progress report, while Chrome is being launched.
  client.onProgress((p) => {
    if (p.kind === 'report') cancel.cancel();
  });
  await assert.rejects(
    client.startSession({ url: fixtures.url('/everything.html'), headless: true }, cancel.token),
    (e: unknown) => isRpcError(e) && e.code === ErrorCodes.RequestCancelled,
  );
  assert.ok(cancel.token.isCancellationRequested, 'a progress report came');
  assert.deepEqual(client.followedSessions, []);
  const list = await client.call(Method.SessionList, undefined);
  const running = list.sessions.filter((s) => s.state === 'running' || s.state === 'starting');
  assert.deepEqual(running, [], JSON.stringify(list.sessions));
  // The name is free again.
  const done = waitConsole(client, 'everything done');
  await client.startSession({ url: fixtures.url('/everything.html'), headless: true });
  await done;
  await client.stopSession('default');
});
