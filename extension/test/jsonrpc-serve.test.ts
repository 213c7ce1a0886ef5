// A client nobody here wrote: vscode-jsonrpc's MessageConnection, driven
// directly (not through BackendClient), against the real `bdg-rpc serve`:
// initialize, session/start on a fixture page in headless Chromium, a burst
// of console messages, session/stop, shutdown and exit. Only the
// newline-delimited reader and writer (framing.ts) are ours: vscode-jsonrpc
// frames its messages with Content-Length headers, bdg-rpc with newlines.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import {
  CancellationTokenSource,
  createMessageConnection,
  NotificationType,
  NotificationType0,
  RequestType,
  RequestType0,
  ResponseError,
  type MessageConnection,
} from 'vscode-jsonrpc/node';
import { NdjsonMessageReader, NdjsonMessageWriter } from '../src/framing';
import {
  ErrorCodes,
  Method,
  Notification,
  type ConsoleEvent,
  type EndedEvent,
  type ErrorData,
  type InitializeParams,
  type InitializeResult,
  type ProgressParams,
  type StartParams,
  type StartResult,
  type StopResult,
} from '../src/protocol';
import { bdgBinary, serveFixtures, TempHome } from './support';

const initialize = new RequestType<InitializeParams, InitializeResult, ErrorData>(Method.Initialize);
const initialized = new NotificationType<Record<string, never>>(Notification.Initialized);
const start = new RequestType<StartParams, StartResult, ErrorData>(Method.SessionStart);
const stop = new RequestType<{ session: string }, StopResult, ErrorData>(Method.SessionStop);
const shutdown = new RequestType0<null, void>(Method.Shutdown);
const exit = new NotificationType0(Notification.Exit);
const consoleMessage = new NotificationType<ConsoleEvent>(Notification.ConsoleMessage);
const sessionEnded = new NotificationType<EndedEvent>(Notification.SessionEnded);

function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

test('vscode-jsonrpc drives bdg-rpc serve: initialize, a cancelled and a real session/start, a burst, stop, shutdown, exit', async () => {
  const fixtures = await serveFixtures();
  const home = new TempHome();
  const proc = spawn(bdgBinary(), ['serve'], { env: home.env(), stdio: ['pipe', 'pipe', 'pipe'] });
  const stderr: string[] = [];
  proc.stderr.on('data', (b: Buffer) => stderr.push(b.toString()));
  proc.stdin.on('error', () => undefined);
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  let conn: MessageConnection | undefined;
  try {
    conn = createMessageConnection(new NdjsonMessageReader(proc.stdout), new NdjsonMessageWriter(proc.stdin));
    const errors: string[] = [];
    conn.onError(([err]) => errors.push(err.message));
    const progress: ProgressParams[] = [];
    // bdg-rpc's $/progress is not LSP's {token, value}: it comes here whole.
    conn.onUnhandledProgress((p) => progress.push(p as unknown as ProgressParams));
    const texts: string[] = [];
    const seqs: number[] = [];
    let burstDone: (() => void) | undefined;
    const burstEnded = new Promise<void>((resolve) => (burstDone = resolve));
    conn.onNotification(consoleMessage, (ev) => {
      seqs.push(ev.seq);
      texts.push(ev.message.text);
      if (ev.message.text.startsWith('burst done ')) burstDone?.();
    });
    const ended = new Promise<EndedEvent>((resolve) => conn?.onNotification(sessionEnded, resolve));
    conn.listen();

    const init = await conn.sendRequest(initialize, { processId: process.pid, clientInfo: { name: 'vscode-jsonrpc', version: '8.2.1' } });
    assert.equal(init.serverInfo.name, 'bdg-rpc');
    assert.equal(init.protocolVersion, '1');
    assert.ok(init.capabilities.methods.includes(Method.SessionStart));
    await conn.sendNotification(initialized, {});

    // Cancelled with a token at the first progress report: $/cancelRequest.
    const cancel = new CancellationTokenSource();
    const watch = conn.onUnhandledProgress((p) => {
      if ((p as unknown as ProgressParams).kind === 'report') cancel.cancel();
    });
    await assert.rejects(
      conn.sendRequest(start, { url: fixtures.url('/everything.html'), session: 'direct', headless: true }, cancel.token),
      (err: unknown) => err instanceof ResponseError && err.code === ErrorCodes.RequestCancelled,
    );
    watch.dispose();
    assert.ok(cancel.token.isCancellationRequested, 'a progress report came');

    // The name is free again: a burst of 2,000 messages, in order.
    const n = 2000;
    progress.length = 0;
    const started = await conn.sendRequest(start, {
      url: fixtures.url(`/console-burst.html?n=${n}`),
      session: 'direct',
      headless: true,
    });
    assert.equal(started.session, 'direct');
    assert.ok(started.pid > 0 && started.epoch.length > 0);
    assert.deepEqual([progress[0]?.kind, progress[progress.length - 1]?.kind], ['begin', 'end']);
    await within(burstEnded, 60_000, 'the end of the burst');
    const burst = texts.filter((t) => /^burst \d+$/.test(t));
    assert.deepEqual(burst, Array.from({ length: n }, (_, i) => `burst ${i}`));
    assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), 'in seq order');

    const stopped = await conn.sendRequest(stop, { session: 'direct' });
    // The burst and its last line (and perhaps the browser's 404 for /favicon.ico).
    assert.ok(stopped.counts.console >= n + 1, String(stopped.counts.console));
    assert.equal((await within(ended, 10_000, 'session/ended')).reason, 'stopped');

    assert.equal(await conn.sendRequest(shutdown), null);
    await conn.sendNotification(exit);
    assert.equal(await within(exited, 10_000, 'the backend to exit'), 0, stderr.join(''));
    assert.deepEqual(errors, []);
  } finally {
    conn?.dispose();
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    await fixtures.close();
    home.cleanup();
  }
});
