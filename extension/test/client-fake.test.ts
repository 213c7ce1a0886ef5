// The client against a tiny fake backend (fake-server.script.ts): lifecycle,
// errors, restart and re-attach, without Chrome.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { CancellationTokenSource } from 'vscode-jsonrpc/node';
import { BackendClient, ConnectionClosedError, isRpcError } from '../src/client';
import { spawnLauncher } from '../src/process';
import { ErrorCodes, Notification, type ProgressParams } from '../src/protocol';
import { SessionModel } from '../src/model';
import { once } from './support';

const fakeScript = join(__dirname, '..', 'test-helpers', 'fake-server.script.js');
let dir: string;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'bdg-fake-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

function fakeClient(name: string, env: NodeJS.ProcessEnv = {}): BackendClient {
  return new BackendClient({
    launch: spawnLauncher({
      command: process.execPath,
      args: [fakeScript, 'serve'],
      env: { ...process.env, FAKE_STATE: join(dir, `${name}.json`), ...env },
    }),
    backoffMs: [20],
  });
}

/** p, or a failure after ms: a test that waits in vain fails (and cleans up) rather than hangs. */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

function ticks(client: BackendClient, session: string): number[] {
  const seen: number[] = [];
  client.onEvent((ev) => {
    if (ev.method === Notification.ConsoleMessage && ev.params.session === session) {
      assert.equal(ev.params.message.text, `tick ${ev.params.seq} ✓`);
      seen.push(ev.params.seq);
    }
  });
  return seen;
}

/**
 * Resolves once seen (of ticks) has reached seq n, at once if it has: a
 * replay may hand on many events before the promise the test awaits.
 */
function reached(client: BackendClient, seen: number[], n: number): Promise<unknown> {
  const done = (): boolean => seen.length > 0 && seen[seen.length - 1] >= n;
  return within<unknown>(done() ? Promise.resolve() : once(client.onEvent, done), 10_000, `seq ${n} (got up to ${seen[seen.length - 1]})`);
}

test('initialize, session/start with $/progress, events, stop', async () => {
  const client = fakeClient('lifecycle');
  try {
    const init = await client.start();
    assert.equal(init.serverInfo.name, 'fake');
    assert.equal(client.state, 'ready');
    const progress: ProgressParams[] = [];
    client.onProgress((p) => progress.push(p));
    const seen = ticks(client, 'default');
    const ended = once(client.onEvent, (e) => e.method === Notification.SessionEnded);
    const tenth = once(client.onEvent, (e) => e.params.seq === 10);
    const started = await client.startSession({ url: 'fake://n=10' });
    assert.equal(started.session, 'default');
    assert.deepEqual(progress.map((p) => p.kind), ['begin', 'report', 'end']);
    await tenth;
    await client.stopSession('default');
    assert.equal((await ended).params.seq, 11);
    assert.deepEqual(seen, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    assert.equal(client.lastSeq('default'), undefined, 'an ended session is no longer followed');
  } finally {
    await client.dispose();
  }
});

test('the events of WebSockets, EventSources and targets are handed on in seq order; an unknown notification is ignored', async () => {
  const client = fakeClient('mixed');
  try {
    await client.start();
    const logs: string[] = [];
    client.onLog((l) => logs.push(l));
    const model = new SessionModel();
    model.reset('default', 'running');
    const methods: string[] = [];
    client.onEvent((ev) => {
      methods.push(`${ev.params.seq} ${ev.method}`);
      model.apply(ev);
    });
    const last = once(client.onEvent, (e) => e.params.seq === 14);
    await client.startSession({ url: 'fake://n=14&mixed' });
    await within(last, 10_000, 'seq 14');
    const kinds = ['network/websocket', 'websocket/frame', 'eventsource/message', 'target/attached', 'target/detached'];
    const want = [1, 2, 3, 4, 5, 7, 8, 9, 10, 11, 12, 14].map((seq) => `${seq} ${seq % 7 === 0 ? 'console/message' : kinds[(seq % 7) - 1]}`);
    assert.deepEqual(methods, want);
    assert.equal(client.lastSeq('default'), 14);
    assert.ok(logs.some((l) => l.includes('ignored notification future/notification')), logs.join('\n'));
    // What the views then show: one socket row with its frames, the worker's targets, tagged messages.
    assert.deepEqual(model.requests().map((r) => [r.requestId, r.status]), [['ws1', 101]]);
    assert.equal(model.streamCount('ws1'), 2);
    assert.equal(model.totals.frames, 4, 'the EventSource messages of no row count in the total');
    assert.deepEqual(model.targetCounts(), { live: {}, ended: { worker: 2 } });
    assert.equal(model.messages()[0].target?.type, 'worker');
    await client.stopSession('default');
  } finally {
    await client.dispose();
  }
});

test('errors carry code, kind and hint', async () => {
  const client = fakeClient('errors');
  try {
    await client.startSession({ url: 'fake://n=1000' });
    await assert.rejects(client.startSession({ url: 'fake://n=1' }), (err: unknown) => {
      assert.ok(isRpcError(err));
      assert.equal(err.code, ErrorCodes.AlreadyRunning);
      assert.equal(err.data?.kind, 'already_running');
      assert.equal(err.data?.hint, 'stop it first');
      return true;
    });
    await client.stopSession('default');
    await assert.rejects(client.stopSession('default'), (err: unknown) => isRpcError(err) && err.data?.kind === 'no_session');
  } finally {
    await client.dispose();
  }
});

test('a backend that cannot be run fails with a hint about bdg.path', async () => {
  const client = new BackendClient({ launch: spawnLauncher({ command: join(dir, 'no-such-bdg-rpc') }) });
  try {
    await assert.rejects(client.start(), (err: unknown) => {
      assert.ok(err instanceof ConnectionClosedError, String(err));
      assert.ok(!isRpcError(err), 'not an error of the peer');
      assert.equal(err.kind, 'connection_closed');
      assert.equal('code' in err, false, 'no JSON-RPC code');
      assert.match(err.message, /ENOENT/);
      assert.match(err.hint ?? '', /bdg\.path/);
      return true;
    });
    assert.equal(client.state, 'failed');
  } finally {
    await client.dispose();
  }
});

test('a backend that refuses initialize is retried, then given up', async () => {
  const launch = spawnLauncher({
    command: process.execPath,
    args: [fakeScript],
    env: { ...process.env, FAKE_STATE: join(dir, 'init.json'), FAKE_MODE: 'init-error' },
  });
  let launches = 0;
  const client = new BackendClient({
    launch: () => {
      launches++;
      return launch();
    },
    backoffMs: [10],
    maxRestarts: 3,
  });
  try {
    await assert.rejects(client.start(), (err: unknown) => isRpcError(err) && err.message === 'broken on purpose');
    await once(client.onState, (s) => s === 'failed');
    assert.equal(launches, 4, 'the first try and 3 restarts');
    // The next call tries again.
    await assert.rejects(client.start(), (err: unknown) => isRpcError(err) && err.message === 'broken on purpose');
    assert.equal(launches, 5);
  } finally {
    await client.dispose();
  }
});

test('killed backends are restarted and re-attached with since: every event once', async () => {
  const client = fakeClient('restart');
  try {
    const seen = ticks(client, 'default');
    const reattached: number[] = [];
    client.onReset(() => assert.fail('the same run: no reset'));
    const started = await client.startSession({ url: 'fake://n=300' });
    assert.match(started.epoch, /^[0-9a-f]{16}$/);
    assert.equal(client.epoch('default'), started.epoch);
    client.onReattached((r) => {
      assert.equal(r.error, undefined);
      assert.equal(r.epoch, started.epoch, 'the run passed with since');
      assert.equal(r.result?.epoch, started.epoch);
      assert.equal(r.result?.reset, undefined);
      reattached.push(r.since);
    });
    for (const at of [50, 150]) {
      await reached(client, seen, at);
      const pid = client.backendPid;
      assert.ok(pid);
      process.kill(pid, 'SIGKILL');
      await once(client.onReattached);
      assert.notEqual(client.backendPid, pid);
    }
    await reached(client, seen, 300);
    assert.deepEqual(seen, Array.from({ length: 300 }, (_, i) => i + 1));
    assert.equal(reattached.length, 2);
    assert.ok(reattached[0] >= 50 && reattached[1] >= 150, reattached.join(','));
    await client.stopSession('default');
  } finally {
    await client.dispose();
  }
});

test('a session started again while the backend was down: its new run is shown from seq 1', async () => {
  const client = fakeClient('newrun');
  const other = fakeClient('newrun');
  try {
    const seen = ticks(client, 'default');
    const first = await client.startSession({ url: 'fake://n=100000' });
    await once(client.onEvent, (e) => e.params.seq >= 40);
    await other.start();
    const pid = client.backendPid;
    assert.ok(pid);
    process.kill(pid, 'SIGSTOP');
    // Meanwhile the session is stopped and started again (shared state
    // file): a new run, whose last seq (20) is below the since followed.
    await other.stopSession('default');
    const otherDone = once(other.onEvent, (e) => e.params.seq === 20);
    const second = await other.startSession({ url: 'fake://n=20' });
    assert.notEqual(second.epoch, first.epoch);
    await otherDone;
    const since = client.lastSeq('default');
    assert.ok(since !== undefined && since >= 40, String(since));
    const mark = seen.length;
    const resets: string[] = [];
    client.onReset((r) => {
      assert.equal(seen.length, mark, 'told before any event of the new run');
      resets.push(r.result.epoch);
    });
    const done = once(client.onEvent, (e) => e.params.seq === 20);
    const reattached = once(client.onReattached);
    process.kill(pid, 'SIGKILL');
    const r = await within(reattached, 10_000, 'the re-attach');
    assert.equal(r.error, undefined);
    assert.equal(r.since, since);
    assert.equal(r.epoch, first.epoch, 'the old run passed with its since');
    assert.equal(r.result?.reset, true);
    assert.equal(r.result?.epoch, second.epoch);
    await within(done, 5000, `seq 20 of the new run (got ${seen.slice(mark).join(',')})`);
    assert.deepEqual(seen.slice(mark), Array.from({ length: 20 }, (_, i) => i + 1), 'every event of the new run');
    assert.deepEqual(resets, [second.epoch]);
    assert.equal(client.epoch('default'), second.epoch, 'the new run followed');
    assert.equal(client.lastSeq('default'), 20);
    await client.stopSession('default');
  } finally {
    await client.dispose();
    await other.dispose();
  }
});

test('attach with the epoch of another run resets; with the same run, it resumes', async () => {
  const client = fakeClient('attach-epoch');
  const other = fakeClient('attach-epoch');
  try {
    const started = await other.startSession({ url: 'fake://n=30' });
    await once(other.onEvent, (e) => e.params.seq === 30);
    const seen = ticks(client, 'default');
    const resets: string[] = [];
    client.onReset((r) => resets.push(r.session));
    // The since of a run long gone: all of this one, from seq 1.
    let done = once(client.onEvent, (e) => e.params.seq === 30);
    const r = await client.attach('default', 1008, '0123456789abcdef');
    assert.equal(r.reset, true);
    assert.equal(r.epoch, started.epoch);
    await within(done, 5000, `seq 30 of the run (got ${seen.join(',')})`);
    assert.deepEqual(seen, Array.from({ length: 30 }, (_, i) => i + 1));
    assert.deepEqual(resets, ['default']);
    assert.equal(client.epoch('default'), started.epoch);
    // The same run again: only what follows since, no reset.
    client.forget('default');
    seen.length = 0;
    done = once(client.onEvent, (e) => e.params.seq === 30);
    const again = await client.attach('default', 25, started.epoch);
    assert.equal(again.reset, undefined);
    await within(done, 5000, `seq 30 again (got ${seen.join(',')})`);
    assert.deepEqual(seen, [26, 27, 28, 29, 30]);
    assert.deepEqual(resets, ['default'], 'no second reset');
    await other.stopSession('default');
  } finally {
    await client.dispose();
    await other.dispose();
  }
});

test('a session gone while the backend was down is reported and dropped', async () => {
  const client = fakeClient('gone');
  const other = fakeClient('gone');
  try {
    await client.startSession({ url: 'fake://n=100000' });
    await other.start();
    const pid = client.backendPid;
    assert.ok(pid);
    const lost = once(client.onReattached);
    process.kill(pid, 'SIGSTOP');
    await other.stopSession('default'); // shares the state file: the "worker" ends
    process.kill(pid, 'SIGKILL');
    const r = await lost;
    assert.equal(r.error?.data?.kind, 'no_session');
    assert.deepEqual(client.followedSessions, []);
  } finally {
    await client.dispose();
    await other.dispose();
  }
});

test('a start cut off by the backend\'s death fails with no code, and stays followed until the restart says', async () => {
  const client = fakeClient('cutoff');
  try {
    await client.start();
    const pid = client.backendPid;
    assert.ok(pid);
    const start = client.startSession({ url: 'fake://slow', session: 'cut' });
    setTimeout(() => process.kill(pid, 'SIGKILL'), 50);
    await assert.rejects(start, (err: unknown) => {
      assert.ok(err instanceof ConnectionClosedError, String(err));
      assert.equal(err.kind, 'connection_closed');
      assert.equal('code' in err, false, 'no JSON-RPC code');
      assert.match(err.message, /^session\/start: the backend /);
      return true;
    });
    // The worker may still come up: the next backend re-attaches to see.
    assert.deepEqual(client.followedSessions, ['cut']);
    const r = await once(client.onReattached);
    assert.equal(r.session, 'cut');
    assert.equal(r.error?.data?.kind, 'no_session', 'the fake never started it');
    assert.deepEqual(client.followedSessions, []);
  } finally {
    await client.dispose();
  }
});

test('calls after dispose fail as closed, with no code', async () => {
  const client = fakeClient('disposed');
  await client.start();
  await client.dispose();
  await assert.rejects(client.start(), (err: unknown) => err instanceof ConnectionClosedError && !('code' in err));
});

test('a call cancelled with a cancellation token sends $/cancelRequest', async () => {
  const client = fakeClient('cancel');
  try {
    await client.start();
    const cancel = new CancellationTokenSource();
    const start = client.startSession({ url: 'fake://slow', session: 'c' }, cancel.token);
    cancel.cancel();
    await assert.rejects(start, (err: unknown) => isRpcError(err) && err.code === ErrorCodes.RequestCancelled);
    assert.deepEqual(client.followedSessions, [], 'a cancelled start is not followed');
    // The connection is still usable.
    const r = await client.startSession({ url: 'fake://n=1', session: 'c' });
    assert.equal(r.session, 'c');
    await client.stopSession('c');
  } finally {
    await client.dispose();
  }
});

test('after giving up, the next call starts a backend that re-attaches the followed sessions', async () => {
  const state = join(dir, 'giveup.json');
  const good = spawnLauncher({ command: process.execPath, args: [fakeScript], env: { ...process.env, FAKE_STATE: state } });
  const bad = spawnLauncher({ command: process.execPath, args: [fakeScript], env: { ...process.env, FAKE_STATE: state, FAKE_MODE: 'init-error' } });
  let broken = false;
  const client = new BackendClient({ launch: () => (broken ? bad() : good()), backoffMs: [10], maxRestarts: 2 });
  try {
    const seen = ticks(client, 'default');
    await client.startSession({ url: 'fake://n=200' });
    await reached(client, seen, 20);
    broken = true;
    const pid = client.backendPid;
    assert.ok(pid);
    process.kill(pid, 'SIGKILL');
    await once(client.onState, (s) => s === 'failed');
    assert.deepEqual(client.followedSessions, ['default'], 'still followed');
    broken = false;
    const back = once(client.onReattached);
    await client.start();
    const r = await back;
    assert.equal(r.error, undefined);
    assert.ok(r.since >= 20);
    await reached(client, seen, 200);
    assert.deepEqual(seen, Array.from({ length: 200 }, (_, i) => i + 1));
    await client.stopSession('default');
  } finally {
    await client.dispose();
  }
});
