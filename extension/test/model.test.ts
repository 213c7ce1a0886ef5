import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SessionModel } from '../src/model';
import { Notification, type NetworkRequest, type SessionEvent } from '../src/protocol';
import { refreshInterval, Throttle } from '../src/throttle';
import { once } from './support';

function consoleEvent(seq: number, level: 'log' | 'error' | 'warning' = 'log', session = 's'): SessionEvent {
  return {
    method: Notification.ConsoleMessage,
    params: { session, seq, message: { seq, level, source: 'console', type: 'log', text: `m ${seq}`, timestamp: seq, navigationId: 1 } },
  };
}

function request(seq: number, id: string, extra: Partial<NetworkRequest> = {}): NetworkRequest {
  return { seq, requestId: id, url: `http://h/${id}`, method: 'GET', timestamp: seq, navigationId: 1, state: 'pending', ...extra };
}

test('one row per requestId, replaced in place; errors counted once', () => {
  const m = new SessionModel(100);
  m.reset('s', 'running');
  m.apply({ method: Notification.NetworkRequest, params: { session: 's', seq: 1, request: request(1, 'a') } });
  m.apply({ method: Notification.NetworkRequest, params: { session: 's', seq: 2, request: request(2, 'b') } });
  m.apply({ method: Notification.NetworkResponse, params: { session: 's', seq: 3, request: request(3, 'a', { state: 'responded', status: 404 }) } });
  m.apply({ method: Notification.NetworkFinished, params: { session: 's', seq: 4, request: request(4, 'a', { state: 'finished', status: 404 }) } });
  m.apply({ method: Notification.NetworkFailed, params: { session: 's', seq: 5, request: request(5, 'b', { state: 'failed', errorText: 'net::ERR' }) } });
  assert.deepEqual(m.requests().map((r) => [r.requestId, r.state]), [['b', 'failed'], ['a', 'finished']]);
  assert.equal(m.totals.network, 2);
  assert.equal(m.totals.networkErrors, 2);
});

test('events of other sessions are ignored; session/ended ends the phase', () => {
  const m = new SessionModel();
  m.reset('s', 'running');
  m.apply(consoleEvent(1, 'log', 'other'));
  assert.equal(m.messageCount, 0);
  m.apply({ method: Notification.SessionEnded, params: { session: 's', seq: 2, reason: 'stopped' } });
  assert.equal(m.phase, 'ended');
  assert.equal(m.ended?.reason, 'stopped');
});

test('a new run of the session shown starts its rows and counts afresh; the phase stays', () => {
  const m = new SessionModel(100);
  m.reset('s', 'reconnecting');
  m.apply(consoleEvent(1, 'error'));
  m.apply({ method: Notification.NetworkFailed, params: { session: 's', seq: 2, request: request(2, 'a', { state: 'failed' }) } });
  m.applyDropped({ session: 's', count: 3, fromSeq: 3, toSeq: 5 });
  const changes: Array<{ network: boolean; console: boolean }> = [];
  m.onDidChange((c) => changes.push(c));
  assert.equal(m.newRun('other', 'http://x/'), false, 'another session: nothing done');
  assert.equal(m.messageCount, 1);
  assert.deepEqual(changes, []);
  assert.equal(m.newRun('s', 'http://h/new'), true);
  assert.deepEqual(changes, [{ network: true, console: true }], 'both views redraw');
  assert.equal(m.messageCount, 0);
  assert.equal(m.requestCount, 0);
  assert.equal(m.totals.networkErrors, 0);
  assert.equal(m.totals.lost, 0);
  assert.equal(m.phase, 'reconnecting', 'the phase stays');
  assert.equal(m.targetUrl, 'http://h/new');
  // The new run's seqs and request ids start again: nothing of the old one is in the way.
  m.apply({ method: Notification.NetworkRequest, params: { session: 's', seq: 1, request: request(1, 'a') } });
  assert.deepEqual(m.requests().map((r) => [r.requestId, r.state]), [['a', 'pending']]);
  assert.equal(m.totals.networkErrors, 0, 'the old run\'s failed "a" is not counted');
  m.apply({ method: Notification.SessionEnded, params: { session: 's', seq: 2, reason: 'stopped' } });
  m.newRun('s');
  assert.equal(m.phase, 'running', 'an ended run\'s successor runs');
  assert.equal(m.ended, undefined);
});

test('rows are bounded to maxRows, newest kept, and the evicted counted', () => {
  const m = new SessionModel(1000);
  m.reset('s', 'running');
  for (let i = 1; i <= 5000; i++) {
    m.apply(consoleEvent(i, i % 10 === 0 ? 'error' : 'log'));
    m.apply({ method: Notification.NetworkRequest, params: { session: 's', seq: i, request: request(i, `r${i}`) } });
  }
  assert.ok(m.messageCount <= 1100, `console rows ${m.messageCount}`);
  assert.ok(m.messageCount >= 1000);
  assert.equal(m.messages()[0].seq, 5000, 'newest first');
  // What the Console panel is sent: the messages after a seq, oldest first.
  assert.deepEqual(m.messagesAfter(4997).map((x) => x.seq), [4998, 4999, 5000]);
  assert.deepEqual(m.messagesAfter(5000), []);
  assert.equal(m.messagesAfter(0).length, m.messageCount);
  assert.equal(m.firstConsoleSeq, m.messagesAfter(0)[0]?.seq);
  assert.equal(m.requestCount, 1000);
  assert.equal(m.requests()[0].requestId, 'r5000');
  assert.equal(m.requests()[999].requestId, 'r4001');
  assert.equal(m.totals.console, 5000);
  assert.equal(m.totals.consoleErrors, 500);
  assert.equal(m.totals.network, 5000);
  assert.equal(m.totals.evicted, 5000 - m.messageCount + 4000);
});

test('a 10,000-event burst makes a handful of refreshes, not one per event', async () => {
  const m = new SessionModel(10_000);
  m.reset('s', 'running');
  let refreshes = 0;
  const done = new Promise<void>((resolve) => {
    const t = new Throttle(
      () => {
        refreshes++;
        if (m.totals.console === 10_000) {
          t.dispose();
          resolve();
        }
      },
      () => refreshInterval(m.messageCount),
    );
    m.onDidChange((c) => c.console && t.schedule());
  });
  const started = Date.now();
  // The burst arrives in chunks of 100 events, as reads of the pipe would.
  for (let i = 1; i <= 10_000; i += 100) {
    for (let j = i; j < i + 100; j++) m.apply(consoleEvent(j));
    await new Promise((r) => setImmediate(r));
  }
  await done;
  const elapsed = Date.now() - started;
  assert.ok(refreshes >= 1);
  // At most one refresh per 150 ms (plus the first, at once).
  assert.ok(refreshes <= Math.ceil(elapsed / 150) + 1, `${refreshes} refreshes in ${elapsed} ms`);
  assert.ok(refreshes < 50, `${refreshes} refreshes`);
});

test('Throttle: the first call comes at once, the rest of a burst at the interval end', async () => {
  const calls: number[] = [];
  const t = new Throttle(() => calls.push(Date.now()), () => 100);
  const t0 = Date.now();
  t.schedule();
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(calls.length, 1);
  assert.ok(calls[0] - t0 < 50);
  for (let i = 0; i < 50; i++) t.schedule();
  await new Promise((r) => setTimeout(r, 150));
  assert.equal(calls.length, 2);
  assert.ok(calls[1] - calls[0] >= 95, `${calls[1] - calls[0]} ms apart`);
  t.dispose();
});

test('refreshInterval grows with the rows, within 150 ms..1 s', () => {
  assert.equal(refreshInterval(0), 150);
  assert.ok(refreshInterval(10_000) > refreshInterval(100));
  assert.equal(refreshInterval(1e9), 1000);
});

test('once resolves with the first matching value', async () => {
  const m = new SessionModel();
  m.reset('s', 'running');
  const ended = once(m.onDidChange, () => m.phase === 'ended');
  m.apply(consoleEvent(1));
  m.setPhase('ended');
  await ended;
  assert.equal(m.phase, 'ended');
});

test('network/websocket replaces the socket\'s row like the other network/* events; frames are counted on it', () => {
  const m = new SessionModel(2);
  m.reset('s', 'running');
  const changes: Array<{ network: boolean; console: boolean }> = [];
  m.onDidChange((c) => changes.push(c));
  const ws = (seq: number, extra: Partial<NetworkRequest>): SessionEvent => ({
    method: Notification.NetworkWebsocket,
    params: { session: 's', seq, request: request(seq, 'ws1', { url: 'ws://h/ws', resourceType: 'WebSocket', ...extra }) },
  });
  const frame = (seq: number, requestId: string): SessionEvent => ({
    method: Notification.WebsocketFrame,
    params: { session: 's', seq, frame: { seq, requestId, direction: 'sent', opcode: 1, payload: 'hi', size: 2, timestamp: seq } },
  });
  m.apply(ws(1, {}));
  m.apply(ws(2, { state: 'responded', status: 101 }));
  assert.deepEqual(changes.at(-1), { network: true, console: false });
  m.apply(frame(3, 'ws1'));
  m.apply(frame(4, 'ws1'));
  m.apply({
    method: Notification.EventsourceMessage,
    params: { session: 's', seq: 5, message: { seq: 5, requestId: 'ws1', eventName: 'message', data: 'd', timestamp: 5 } },
  });
  assert.deepEqual(changes.at(-1), { network: true, console: false }, 'the row redraws with its count');
  m.apply(frame(6, 'unknown'));
  m.apply(ws(7, { state: 'finished', status: 101, duration: 1200 }));
  assert.deepEqual(m.requests().map((r) => [r.requestId, r.state, r.status]), [['ws1', 'finished', 101]], 'one row, replaced');
  assert.equal(m.streamCount('ws1'), 3);
  assert.equal(m.streamCount('unknown'), 0, 'a frame of no row is not kept');
  assert.equal(m.totals.frames, 4);
  assert.equal(m.totals.network, 1);
  assert.equal(m.totals.networkErrors, 0, 'a 101 is no error');
  // The row evicted, its count goes with it.
  m.apply({ method: Notification.NetworkRequest, params: { session: 's', seq: 8, request: request(8, 'a') } });
  m.apply({ method: Notification.NetworkRequest, params: { session: 's', seq: 9, request: request(9, 'b') } });
  assert.equal(m.request('ws1'), undefined);
  assert.equal(m.streamCount('ws1'), 0);
});

test('target/attached and target/detached count the targets by type; a new run forgets them', () => {
  const m = new SessionModel();
  m.reset('s', 'running');
  const target = (seq: number, id: string, type: 'page' | 'worker' | 'popup', detached = false): SessionEvent => ({
    method: detached ? Notification.TargetDetached : Notification.TargetAttached,
    params: { session: 's', seq, target: { id, type, url: `http://h/${id}` }, ...(detached ? { reason: 'destroyed' as const } : {}) },
  });
  m.apply(target(1, 'P', 'page'));
  m.apply(target(2, 'W1', 'worker'));
  m.apply(target(3, 'W2', 'worker'));
  m.apply(target(4, 'W2', 'worker')); // the same target again: not twice
  m.apply(target(5, 'X', 'popup'));
  m.apply(target(6, 'X', 'popup', true));
  m.apply(target(7, 'W1', 'worker', true));
  assert.deepEqual(m.targetCounts(), { live: { page: 1, worker: 1 }, ended: { popup: 1, worker: 1 } });
  // Bad params are ignored, not thrown on.
  m.apply({ method: Notification.TargetAttached, params: { session: 's', seq: 8 } as never });
  m.apply({ method: Notification.WebsocketFrame, params: { session: 's', seq: 9 } as never });
  assert.equal(m.messageCount + m.requestCount, 0);
  m.newRun('s');
  assert.deepEqual(m.targetCounts(), { live: {}, ended: {} });
});
