// The extension's commands, and the wiring between the backend client and
// the session model the views show.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { findBinary } from './binary';
import { BackendClient, isRpcError, type BackendState, type Reattached, type RunReset } from './client';
import { requestUri, type RequestDocumentProvider } from './details';
import { describeError, showError } from './errors';
import { SessionModel } from './model';
import { sessionDir, sessionPartialJson, workerLog } from './paths';
import { spawnLauncher } from './process';
import {
  ErrorCodes,
  Method,
  Notification,
  type NetworkGetResult,
  type ProgressParams,
  type StartParams,
  type StatusResult,
} from './protocol';
import { isWebSocket, shortUrl, statusText, targetTag } from './views/format';

const LAST_URL_KEY = 'bdg.lastUrl';

export class Controller implements vscode.Disposable {
  private client: BackendClient | undefined;
  private progressSink: ((p: ProgressParams) => void) | undefined;
  private outputPath: string | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  /** Set by extension.ts: refreshes a request's open details document. */
  details: RequestDocumentProvider | undefined;
  private lastPhase: SessionModel['phase'] = 'idle';
  private disposed = false;

  constructor(
    private readonly context: vscode.ExtensionContext,
    readonly model: SessionModel,
    private readonly output: vscode.OutputChannel,
  ) {
    this.disposables.push(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('bdg.maxRows')) this.model.maxRows = this.config().get('maxRows', 10_000);
        if (e.affectsConfiguration('bdg.path')) void this.resetClient();
      }),
      this.model.onDidChange(() => {
        if (this.model.phase === this.lastPhase) return;
        this.lastPhase = this.model.phase;
        this.updateContext();
      }),
    );
  }

  private config(): vscode.WorkspaceConfiguration {
    return vscode.workspace.getConfiguration('bdg');
  }

  // ---- The backend ----

  /** The client, made (and its backend spawned) on first use. */
  private backend(): BackendClient {
    if (this.client) return this.client;
    const folders = (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);
    const command =
      findBinary({
        setting: this.config().get<string>('path', ''),
        folders,
        extraRoots: [this.context.extensionPath],
      }) ?? 'bdg-rpc';
    this.output.appendLine(`[client] running ${command} serve`);
    const client = new BackendClient({
      launch: spawnLauncher({ command, cwd: folders[0] }),
      clientInfo: { name: 'vscode-bdg', version: String(this.context.extension.packageJSON.version ?? '') },
    });
    client.onLog((line) => this.output.appendLine(line));
    client.onEvent((ev) => {
      this.model.apply(ev);
      if (ev.method === Notification.SessionEnded && ev.params.session === this.model.session && ev.params.reason !== 'stopped') {
        void this.reportEnd(ev.params.session, ev.params.reason, ev.params.error);
      }
    });
    client.onDropped((d) => {
      this.model.applyDropped(d);
      this.output.appendLine(`[client] ${d.count} events of ${d.session} were lost (seq ${d.fromSeq}-${d.toSeq})`);
    });
    client.onProgress((p) => this.progressSink?.(p));
    client.onState((s) => this.onBackendState(s));
    client.onReattached((r) => this.onReattached(r));
    client.onReset((r) => this.onNewRun(r));
    this.client = client;
    return client;
  }

  /** Replaces the backend (bdg.path changed): the session shown is re-joined where it was. */
  private async resetClient(): Promise<void> {
    const c = this.client;
    if (!c) return;
    this.client = undefined;
    const session = this.model.session;
    const since = session ? c.lastSeq(session) : undefined;
    const epoch = session ? c.epoch(session) : undefined;
    await c.dispose();
    if (this.disposed || !session || since === undefined) return;
    try {
      await this.backend().attach(session, since, epoch);
    } catch (err) {
      this.model.setPhase('ended');
      await showError(`could not re-join session ${session}`, err, () => this.showLogs(session));
    }
  }

  /** A session that ended by itself (Chrome closed, a timeout...). */
  private async reportEnd(session: string, reason: string, error?: string): Promise<void> {
    const choice = await vscode.window.showWarningMessage(
      `BDG: session ${session} ended: ${reason}${error ? ` (${error})` : ''}.`,
      'Open session.json',
      'Show Logs',
    );
    if (choice === 'Open session.json') await this.openSessionJson();
    if (choice === 'Show Logs') await this.showLogs(session);
  }

  /**
   * At activation: follows the bdg.session session if it is running (after a
   * window reload, say), quietly: nothing is shown when there is none or the
   * backend cannot run.
   */
  async autoAttach(): Promise<void> {
    const session = this.config().get<string>('session', 'default') || 'default';
    try {
      const { sessions } = await this.backend().call(Method.SessionList, undefined);
      const s = sessions.find((x) => x.session === session);
      if (s?.state === 'running' && this.model.phase === 'idle') await this.attachTo(session, false);
    } catch (err) {
      this.output.appendLine(`[client] no session to re-join: ${describeError(err)}`);
    }
  }

  private onBackendState(s: BackendState): void {
    const m = this.model;
    if (s === 'restarting' && (m.phase === 'running' || m.phase === 'starting')) m.setPhase('reconnecting');
    if (s === 'ready' && m.phase === 'reconnecting') m.setPhase('running');
    if (s === 'failed' && m.phase === 'reconnecting') {
      void showError('the backend keeps failing', new Error('see the BDG output'), () => this.output.show());
    }
  }

  private onReattached(r: Reattached): void {
    if (r.session !== this.model.session) return;
    if (r.error) {
      this.model.setPhase('ended');
      void vscode.window.showWarningMessage(`BDG: session ${r.session} is gone: ${describeError(r.error)}`);
    } else if (this.model.phase === 'reconnecting' || this.model.phase === 'idle') {
      // idle: a start cut off by the backend's death came up after all.
      this.model.setPhase('running');
    }
  }

  /**
   * The session shown was started again (while the backend was away, say):
   * its rows are the old run's, and the new run's come from its first event.
   */
  private onNewRun(r: RunReset): void {
    if (!this.model.newRun(r.session, r.result.status.target.url || undefined)) return;
    this.outputPath = undefined;
    void vscode.window.showInformationMessage(`BDG: session ${r.session} was started again; showing its new run.`);
  }

  private updateContext(): void {
    const active = ['starting', 'running', 'reconnecting'].includes(this.model.phase);
    void vscode.commands.executeCommand('setContext', 'bdg.sessionActive', active);
  }

  // ---- Commands ----

  async startSession(urlArg?: string): Promise<void> {
    const last = this.context.globalState.get<string>(LAST_URL_KEY);
    const url =
      urlArg ??
      (await vscode.window.showInputBox({
        title: 'BDG: Start Session',
        prompt: 'The page to open in Chrome',
        placeHolder: 'http://localhost:3000/',
        value: last,
        ignoreFocusOut: true,
        validateInput: (v) => (v.trim() === '' ? 'Enter a URL, such as http://localhost:3000/' : undefined),
      }));
    if (!url) return;
    await this.context.globalState.update(LAST_URL_KEY, url.trim());

    const cfg = this.config();
    const session = cfg.get<string>('session', 'default') || 'default';
    const params: StartParams = { url: url.trim(), session };
    const headless = cfg.get<boolean | null>('headless', null);
    if (typeof headless === 'boolean') params.headless = headless;
    const chromePath = cfg.get<string>('chromePath', '');
    if (chromePath) params.chromePath = chromePath;

    if (this.model.session && this.model.session !== session) this.client?.forget(this.model.session);
    this.model.reset(session, 'starting');
    this.outputPath = undefined;
    this.updateContext();
    try {
      const result = await vscode.window.withProgress(
        {
          location: vscode.ProgressLocation.Notification,
          title: `BDG: starting session ${session}`,
          cancellable: true,
        },
        async (progress, token) => {
          this.progressSink = (p) => {
            if (p.session !== session) return;
            if (p.kind === 'begin' && p.title) progress.report({ message: p.title });
            if (p.kind === 'report' && p.message) progress.report({ message: p.message });
          };
          try {
            // The notification's Cancel: $/cancelRequest, by vscode-jsonrpc.
            return await this.backend().startSession(params, token);
          } finally {
            this.progressSink = undefined;
          }
        },
      );
      this.model.targetUrl = result.target.url;
      if (this.model.phase === 'starting') this.model.setPhase('running');
      this.output.appendLine(`[client] session ${session} started: worker pid ${result.pid}, ${result.chrome.version ?? 'Chrome'}`);
      await vscode.commands.executeCommand('workbench.view.extension.bdg');
    } catch (err) {
      this.model.setPhase('idle');
      if (isRpcError(err) && err.code === ErrorCodes.RequestCancelled) {
        void vscode.window.showInformationMessage(`BDG: starting session ${session} was cancelled`);
      } else if (isRpcError(err) && err.code === ErrorCodes.AlreadyRunning) {
        const choice = await showError(`session ${session}`, err, () => this.showLogs(session), 'Attach', 'Stop It');
        if (choice === 'Attach') await this.attachTo(session);
        if (choice === 'Stop It') await this.stopSession(session);
      } else {
        await showError(`could not start session ${session}`, err, () => this.showLogs(session));
      }
    } finally {
      this.updateContext();
    }
  }

  async stopSession(sessionArg?: string): Promise<void> {
    const session = sessionArg ?? this.model.session;
    if (!session) {
      void vscode.window.showInformationMessage('BDG: no session to stop. Attach to one first.');
      return;
    }
    try {
      const result = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Window, title: `BDG: stopping ${session}` },
        () => this.backend().stopSession(session),
      );
      this.outputPath = result.outputPath;
      if (this.model.session === session) this.model.setPhase('ended');
      const choice = await vscode.window.showInformationMessage(
        `BDG: session ${session} ended: ${result.counts.network} requests, ${result.counts.console} console messages.`,
        'Open session.json',
      );
      if (choice) await this.openSessionJson();
    } catch (err) {
      if (isRpcError(err) && err.code === ErrorCodes.NoSession && this.model.session === session) {
        this.model.setPhase('ended');
      }
      await showError(`could not stop session ${session}`, err, () => this.showLogs(session));
    } finally {
      this.updateContext();
    }
  }

  async attachSession(): Promise<void> {
    let sessions: StatusResult[];
    try {
      sessions = (await this.backend().call(Method.SessionList, undefined)).sessions;
    } catch (err) {
      await showError('could not list the sessions', err, () => this.output.show());
      return;
    }
    const running = sessions.filter((s) => s.state === 'running' || s.state === 'starting');
    if (running.length === 0) {
      const choice = await vscode.window.showInformationMessage('BDG: no session is running.', 'Start Session…');
      if (choice) await this.startSession();
      return;
    }
    const pick = await vscode.window.showQuickPick(
      running.map((s) => ({
        label: s.session,
        description: `${s.state} · ${s.counts.network} requests · ${s.counts.console} messages`,
        detail: s.target.url,
        session: s.session,
      })),
      { title: 'BDG: Attach to Running Session', placeHolder: 'Session' },
    );
    if (pick) await this.attachTo(pick.session);
  }

  /** Follows session from its first retained event. */
  private async attachTo(session: string, reveal = true): Promise<void> {
    if (this.model.session && this.model.session !== session) this.client?.forget(this.model.session);
    this.model.reset(session, 'running');
    this.outputPath = undefined;
    this.updateContext();
    try {
      const result = await this.backend().attach(session, 0);
      this.model.targetUrl = result.status.target.url;
      if (result.oldestSeq > 1) {
        this.output.appendLine(`[client] ${session}: events before seq ${result.oldestSeq} are no longer retained`);
      }
      if (reveal) await vscode.commands.executeCommand('workbench.view.extension.bdg');
    } catch (err) {
      this.model.setPhase('idle');
      await showError(`could not attach to session ${session}`, err, () => this.showLogs(session));
    } finally {
      this.updateContext();
    }
  }

  async showRequest(requestId?: string): Promise<void> {
    const session = this.model.session;
    if (!session) {
      void vscode.window.showInformationMessage('BDG: no session. Start or attach to one first.');
      return;
    }
    let id = requestId;
    if (!id) {
      const pick = await vscode.window.showQuickPick(
        this.model.requests().map((r) => ({
          label: [targetTag(r.target), isWebSocket(r) ? 'WS' : r.method, statusText(r)].filter(Boolean).join(' '),
          description: shortUrl(r.url),
          id: r.requestId,
        })),
        { title: 'BDG: Show Request Details', matchOnDescription: true },
      );
      id = pick?.id;
    }
    if (!id) return;
    const r = this.model.request(id) ?? { requestId: id, url: id, method: 'GET' };
    const uri = requestUri(session, r);
    // An open document shows the request as it was: ask again.
    if (vscode.workspace.textDocuments.some((d) => d.uri.toString() === uri.toString())) this.details?.refresh(uri);
    let doc = await vscode.workspace.openTextDocument(uri);
    // Named after the URL ("GET data.json"), it would be taken for JSON.
    if (doc.languageId !== 'plaintext') doc = await vscode.languages.setTextDocumentLanguage(doc, 'plaintext');
    await vscode.window.showTextDocument(doc, { preview: true, preserveFocus: requestId !== undefined });
  }

  /** network/get with the body, for the details documents. */
  fetchRequest(session: string, requestId: string): Promise<NetworkGetResult> {
    return this.backend().call(Method.NetworkGet, { session, requestId, body: true });
  }

  async openSessionJson(): Promise<void> {
    const session = this.model.session ?? this.config().get<string>('session', 'default');
    const file = await this.sessionFile(session);
    if (!file) {
      void vscode.window.showInformationMessage(
        `BDG: session ${session} has no session.json yet (it is written when the session stops; ${sessionDir(session)}).`,
      );
      return;
    }
    if (file.endsWith('session.partial.json')) {
      void vscode.window.showInformationMessage('BDG: the session still runs: showing session.partial.json, the capture so far.');
    }
    await vscode.window.showTextDocument(vscode.Uri.file(file), { preview: false });
  }

  /**
   * The file that holds what session captured: the session.json that
   * session/stop or session/ended reported, else what session/status
   * reports (its outputPath, or the session.partial.json it answered from
   * when the worker died), else, while the worker runs, its
   * session.partial.json, which the protocol does not report (paths.ts).
   */
  private async sessionFile(session: string): Promise<string | undefined> {
    const ended = this.model.session === session ? this.model.ended?.outputPath : undefined;
    const known = [this.outputPath, ended].find((p): p is string => !!p && existsSync(p));
    if (known) return known;
    let status: StatusResult;
    try {
      status = await this.backend().call(Method.SessionStatus, { session });
    } catch (err) {
      this.output.appendLine(`[client] no status for session ${session}: ${describeError(err)}`);
      return undefined;
    }
    const candidates = [status.outputPath, status.stale ? status.source : undefined];
    if (!status.stale && ['starting', 'running', 'stopping'].includes(status.state)) {
      candidates.push(sessionPartialJson(session));
    }
    return candidates.find((p): p is string => !!p && existsSync(p));
  }

  async showLogs(sessionArg?: string): Promise<void> {
    const session = sessionArg ?? this.model.session ?? this.config().get<string>('session', 'default');
    const log = workerLog(session);
    if (existsSync(log)) {
      await vscode.window.showTextDocument(vscode.Uri.file(log), { preview: true });
    } else {
      this.output.appendLine(`[client] no worker log at ${join(log)}`);
    }
    this.output.show(true);
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    for (const d of this.disposables) d.dispose();
    await this.resetClient();
  }
}
