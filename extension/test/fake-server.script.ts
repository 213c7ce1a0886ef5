// A tiny stand-in for `bdg-rpc serve`, for the client's unit tests: the
// lifecycle, session/start with $/progress, session/attach with since and
// epoch, session/stop, and errors with data.hint. A session's events are a
// pure function of time since its start (event i at startedAt + i*intervalMs,
// a console/message "tick i"), kept in a state file, so that a fake started
// after another one was killed replays exactly what a worker would have
// retained. Each start is a run with a random epoch: an attach with another
// run's epoch replays the run from seq 1 and says reset. An attach's result
// and the events it replays go out in one write, so that the client reads
// them together, as it may from the real backend.
//
// A session started on a URL with "mixed" cycles through the kinds of event
// (mixedEvent): console/message, network/websocket, websocket/frame,
// eventsource/message, target/attached, target/detached, and a notification
// no client knows, each with the next seq.
//
// Env: FAKE_STATE (the state file, required), FAKE_MODE=init-error to fail
// initialize.

import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import type { RequestMessage } from 'vscode-jsonrpc/node';
import { encodeMessage, LineDecoder } from '../src/framing';
import { ErrorCodes, Method, Notification, type ConsoleEvent, type ErrorData, type TargetRef } from '../src/protocol';

/** An error as it goes on the wire. */
interface ResponseError {
  code: number;
  message: string;
  data?: ErrorData;
}

interface FakeSession {
  startedAt: number;
  n: number;
  intervalMs: number;
  stopped: boolean;
  epoch: string;
  mixed?: boolean;
}
type State = Record<string, FakeSession>;

const stateFile = process.env.FAKE_STATE ?? '';
const load = (): State => {
  try {
    return JSON.parse(readFileSync(stateFile, 'utf8')) as State;
  } catch {
    return {};
  }
};
const save = (s: State): void => writeFileSync(stateFile, JSON.stringify(s));

/** While set, what send sends is kept, to go out in one write (together). */
let batch: string[] | undefined;
const send = (m: unknown): void => {
  if (batch) batch.push(encodeMessage(m));
  else process.stdout.write(encodeMessage(m));
};
/** Runs fn, all it sends going out in one write. */
const together = (fn: () => void): void => {
  batch = [];
  try {
    fn();
  } finally {
    const out = batch.join('');
    batch = undefined;
    process.stdout.write(out);
  }
};
const reply = (id: RequestMessage['id'], result: unknown): void => send({ jsonrpc: '2.0', id, result });
const fail = (id: RequestMessage['id'], error: ResponseError): void => send({ jsonrpc: '2.0', id, error });

let initialized = false;
const sent = new Map<string, number>(); // session -> last seq sent
const timers = new Map<string, NodeJS.Timeout>();

/** The notification of event seq of a "mixed" session: a kind of event per seq % 7. */
function mixedEvent(session: string, s: FakeSession, seq: number): { method: string; params: unknown } {
  const timestamp = s.startedAt + seq;
  const target: TargetRef = { id: 'W1', type: 'worker', url: 'http://fake/worker.js', parentId: 'P0' };
  const socket = { seq, requestId: 'ws1', url: 'ws://fake/ws', method: 'GET', resourceType: 'WebSocket', timestamp, navigationId: 1, target };
  switch (seq % 7) {
    case 1:
      return { method: Notification.NetworkWebsocket, params: { session, seq, request: { ...socket, state: 'responded', status: 101 } } };
    case 2:
      return {
        method: Notification.WebsocketFrame,
        params: { session, seq, frame: { seq, requestId: 'ws1', direction: 'received', opcode: 2, payload: 'AQI=', base64: true, size: 2, timestamp, target } },
      };
    case 3:
      return { method: Notification.EventsourceMessage, params: { session, seq, message: { seq, requestId: 'es1', eventName: 'message', data: 'x', timestamp } } };
    case 4:
      return { method: Notification.TargetAttached, params: { session, seq, target } };
    case 5:
      return { method: Notification.TargetDetached, params: { session, seq, target, reason: 'destroyed' } };
    case 6:
      return { method: 'future/notification', params: { session, seq, thing: {} } };
    default: {
      const params: ConsoleEvent = {
        session,
        seq,
        message: { seq, level: 'log', source: 'console', type: 'log', text: `tick ${seq} ✓`, timestamp, navigationId: 1, target },
      };
      return { method: Notification.ConsoleMessage, params };
    }
  }
}

function tick(name: string): void {
  const s = load()[name];
  if (!s) return;
  const due = Math.min(s.n, Math.floor((Date.now() - s.startedAt) / s.intervalMs) + 1);
  for (let seq = (sent.get(name) ?? 0) + 1; seq <= due; seq++) {
    if (s.mixed) {
      send({ jsonrpc: '2.0', ...mixedEvent(name, s, seq) });
    } else {
      const params: ConsoleEvent = {
        session: name,
        seq,
        message: { seq, level: 'log', source: 'console', type: 'log', text: `tick ${seq} ✓`, timestamp: s.startedAt + seq, navigationId: 1 },
      };
      send({ jsonrpc: '2.0', method: Notification.ConsoleMessage, params });
    }
    sent.set(name, seq);
  }
  if (due >= s.n) {
    clearInterval(timers.get(name));
    timers.delete(name);
  }
}

function follow(name: string, since: number): void {
  sent.set(name, since);
  tick(name);
  if (!timers.has(name)) timers.set(name, setInterval(() => tick(name), 5));
}

const notFound = (name: string): ResponseError => ({
  code: ErrorCodes.NoSession,
  message: `no session "${name}"`,
  data: { kind: 'no_session', hint: 'start one: bdg-rpc start URL' },
});

const cancelled = new Set<RequestMessage['id']>();

function handle(msg: RequestMessage): void {
  const p = (msg.params ?? {}) as Record<string, unknown>;
  const name = typeof p.session === 'string' ? p.session : 'default';
  if (msg.method === Notification.CancelRequest) cancelled.add(p.id as RequestMessage['id']);
  if (msg.id === undefined) return; // notifications: initialized, exit, $/cancelRequest
  if (msg.method === Method.Initialize) {
    if (process.env.FAKE_MODE === 'init-error') {
      fail(msg.id, { code: ErrorCodes.InternalError, message: 'broken on purpose', data: { hint: 'a hint' } });
      return;
    }
    initialized = true;
    reply(msg.id, { serverInfo: { name: 'fake', version: '0' }, protocolVersion: '1', capabilities: { methods: [], notifications: [] } });
    return;
  }
  if (!initialized) {
    fail(msg.id, { code: ErrorCodes.ServerNotInitialized, message: 'not initialized' });
    return;
  }
  const state = load();
  switch (msg.method) {
    case Method.SessionStart: {
      if (state[name] && !state[name].stopped) {
        fail(msg.id, { code: ErrorCodes.AlreadyRunning, message: `session "${name}" already running (pid 1)`, data: { kind: 'already_running', hint: 'stop it first' } });
        return;
      }
      if (String(p.url).includes('slow')) {
        // Answers in 300 ms, unless cancelled by then.
        setTimeout(() => {
          if (cancelled.has(msg.id)) fail(msg.id, { code: ErrorCodes.RequestCancelled, message: 'Request cancelled' });
          else reply(msg.id, { session: name, pid: process.pid, socketPath: '/nowhere', chrome: { launched: true, headless: true }, target: { url: String(p.url), title: '' }, epoch: 'slow' });
        }, 300);
        return;
      }
      const m = /n=(\d+)/.exec(String(p.url));
      const epoch = randomBytes(8).toString('hex');
      state[name] = { startedAt: Date.now(), n: m ? Number(m[1]) : 10, intervalMs: 5, stopped: false, epoch, mixed: String(p.url).includes('mixed') };
      save(state);
      const token = `start/${name}`;
      send({ jsonrpc: '2.0', method: Notification.Progress, params: { token, session: name, kind: 'begin', title: `Starting session ${name}` } });
      send({ jsonrpc: '2.0', method: Notification.Progress, params: { token, session: name, kind: 'report', message: 'launching Chrome' } });
      send({ jsonrpc: '2.0', method: Notification.Progress, params: { token, session: name, kind: 'end' } });
      reply(msg.id, { session: name, pid: process.pid, socketPath: '/nowhere', chrome: { launched: true, headless: true }, target: { url: String(p.url), title: '' }, epoch });
      follow(name, 0);
      return;
    }
    case Method.SessionAttach: {
      const s = state[name];
      if (!s || s.stopped) {
        fail(msg.id, notFound(name));
        return;
      }
      // A since of another run means nothing here: replay this one from the start.
      const reset = typeof p.epoch === 'string' && p.epoch !== s.epoch;
      const status = { session: name, state: 'running', target: { url: '', title: '' }, chrome: { launched: true, headless: true }, counts: { network: 0, console: 0 }, dropped: { network: 0, console: 0 }, lastSeq: 0, navigationId: 1, epoch: s.epoch };
      const since = reset ? 0 : typeof p.since === 'number' ? p.since : Math.floor((Date.now() - s.startedAt) / s.intervalMs);
      together(() => {
        reply(msg.id, { status, oldestSeq: 1, epoch: s.epoch, ...(reset ? { reset: true } : {}) });
        follow(name, since);
      });
      return;
    }
    case Method.SessionStop: {
      const s = state[name];
      if (!s || s.stopped) {
        fail(msg.id, notFound(name));
        return;
      }
      s.stopped = true;
      save(state);
      clearInterval(timers.get(name));
      timers.delete(name);
      const seq = (sent.get(name) ?? 0) + 1;
      send({ jsonrpc: '2.0', method: Notification.SessionEnded, params: { session: name, seq, reason: 'stopped' } });
      reply(msg.id, { session: name, outputPath: '/nowhere/session.json', durationMs: 1, counts: { network: 0, console: seq - 1 }, dropped: { network: 0, console: 0 } });
      return;
    }
    case Method.Shutdown:
      reply(msg.id, null);
      return;
    default:
      fail(msg.id, { code: ErrorCodes.MethodNotFound, message: `method not found: ${msg.method}` });
  }
}

const decoder = new LineDecoder();
process.stdin.on('data', (chunk: Buffer) => {
  for (const line of decoder.push(chunk)) {
    const msg = JSON.parse(line) as RequestMessage;
    if (msg.method === Notification.Exit) process.exit(0);
    handle(msg);
  }
});
process.stdin.on('end', () => process.exit(0));
process.stderr.write('fake backend ready\n');
