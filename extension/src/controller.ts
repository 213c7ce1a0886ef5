// The extension's commands, and the wiring between the backend client and
// the session model the views show.

import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { findBinary, noBinaryMessage } from './binary';
import { doctorProblem, formatDoctor, runDoctor } from './doctor';
import { BackendClient, isRpcError, type BackendState, type Reattached, type RunReset } from './client';
import { requestUri, type RequestDocumentProvider } from './details';
import {
  argsSource,
  attachStartParams,
  captureStartsNowMessage,
  cleanEndpoints,
  ENDPOINT_PLACEHOLDER,
  ENDPOINTS_KEY,
  forgetEndpoint,
  parseAttachArgs,
  rememberEndpoint,
  sourceItems,
  sourceLabel,
  tabItems,
  tabsParams,
  tabsTitle,
  tabTitle,
  tabWatcher,
  validateEndpoint,
  type Source,
  type SourceItem,
  type TabChoice,
  type TabItem,
} from './attach';
import { Drive } from './drive';
import { describeError, showError } from './errors';
import { SessionModel } from './model';
import { sessionDir, sessionPartialJson, workerLog } from './paths';
import { spawnLauncher } from './process';
import { sourceFileFor } from './sources';
import {
  ErrorCodes,
  Method,
  Notification,
  type EvaluateResult,
  type NetworkGetResult,
  type ObjectPropertiesResult,
  type OriginalLocation,
  type ProgressParams,
  type StartParams,
  type StartResult,
  type StatusResult,
  type TabsResult,
} from './protocol';
import { isWebSocket, shortUrl, statusText, targetTag } from './views/format';

const LAST_URL_KEY = 'bdg.lastUrl';
const RELOAD_PAGE = 'Reload Page';

export class Controller implements vscode.Disposable {
  private client: BackendClient | undefined;
  private progressSink: ((p: ProgressParams) => void) | undefined;
  private outputPath: string | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  /** Set by extension.ts: refreshes a request's open details document. */
  details: RequestDocumentProvider | undefined;
  private lastPhase: SessionModel['phase'] = 'idle';
  /** Sessions this window started attached to a running Chrome. */
  private readonly attached = new Set<string>();
  private disposed = false;
  /** BDG: Evaluate…, Reload Page, Navigate… and Take Screenshot (drive.ts). */
  readonly drive: Drive;

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
    this.drive = new Drive(model, {
      call: (method, params) => this.backend().call(method, params),
      state: context.globalState,
      ask: async (r) =>
        vscode.window.showInputBox({
          title: r.title,
          prompt: r.prompt,
          placeHolder: r.placeHolder,
          value: r.value,
          ignoreFocusOut: true,
          validateInput: r.validate,
        }),
      busy: async (title, task) => vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title }, task),
      status: (message) => {
        vscode.window.setStatusBarMessage(message, 8000);
      },
      info: (message) => void vscode.window.showInformationMessage(message),
      error: async (what, err, session) => {
        await showError(what, err, () => this.showLogs(session));
      },
      openFile: async (path) => {
        await vscode.commands.executeCommand('vscode.open', vscode.Uri.file(path));
      },
      revealConsole: async () => {
        await vscode.commands.executeCommand('bdg.console.focus');
      },
      log: (line) => this.output.appendLine(line),
    });
  }

  private config(): vscode.WorkspaceConfiguration {
    return vscode.workspace.getConfiguration('bdg');
  }

  // ---- The backend ----

  /** The bdg-rpc binary: the bdg.path setting, the extension's own, PATH's, or the workspace's (binary.ts). */
  private binary(): string {
    return this.findBinary() ?? 'bdg-rpc';
  }

  private findBinary(): string | undefined {
    const folders = (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);
    return findBinary({
      setting: this.config().get<string>('path', ''),
      extensionRoot: this.context.extensionPath,
      folders,
    });
  }

  /** Says, once, when there is no binary to run and what to do (a .vsix without one, nothing on PATH). */
  checkBinary(): void {
    if (this.findBinary() !== undefined) return;
    const message = noBinaryMessage();
    this.output.appendLine(`[client] ${message}`);
    void vscode.window.showWarningMessage(message, 'Open Settings').then((choice) => {
      if (choice === 'Open Settings') void vscode.commands.executeCommand('workbench.action.openSettings', 'bdg.path');
    });
  }

  /** The client, made (and its backend spawned) on first use. */
  private backend(): BackendClient {
    if (this.client) return this.client;
    const folders = (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);
    const command = this.binary();
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
    void vscode.commands.executeCommand('setContext', 'bdg.sessionRunning', this.model.phase === 'running');
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
    const session = this.sessionName();
    const params: StartParams = { url: url.trim(), session };
    const headless = cfg.get<boolean | null>('headless', null);
    if (typeof headless === 'boolean') params.headless = headless;
    const chromePath = cfg.get<string>('chromePath', '');
    if (chromePath) params.chromePath = chromePath;
    await this.start(params, `BDG: starting session ${session}`);
  }

  /** The session the commands start: bdg.session. */
  private sessionName(): string {
    return this.config().get<string>('session', 'default') || 'default';
  }

  /**
   * session/start with params, shown in the views: the model follows the
   * session from its first event, a notification shows the progress (and
   * cancels), and errors are shown. Resolves with the result, or undefined
   * when the session did not start.
   */
  private async start(params: StartParams, title: string): Promise<StartResult | undefined> {
    const session = params.session ?? this.sessionName();
    if (this.model.session && this.model.session !== session) this.client?.forget(this.model.session);
    this.model.reset(session, 'starting');
    this.outputPath = undefined;
    this.attached.delete(session);
    this.updateContext();
    try {
      const result = await vscode.window.withProgress(
        {
          location: vscode.ProgressLocation.Notification,
          title,
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
      if (result.attach) this.attached.add(session);
      const chrome = result.attach
        ? `attached to ${result.chrome.version ?? 'Chrome'} (${result.attach.via}), tab ${result.target.id ?? ''} ${result.target.url}, capture from ${result.attach.captureFrom}`
        : result.chrome.version ?? 'Chrome';
      this.output.appendLine(`[client] session ${session} started: worker pid ${result.pid}, ${chrome}`);
      await vscode.commands.executeCommand('workbench.view.extension.bdg');
      return result;
    } catch (err) {
      this.model.setPhase('idle');
      if (isRpcError(err) && err.code === ErrorCodes.RequestCancelled) {
        void vscode.window.showInformationMessage(`BDG: starting session ${session} was cancelled`);
      } else if (isRpcError(err) && err.code === ErrorCodes.AlreadyRunning) {
        // The session runs, or (attaching) another session watches the tab.
        const watcher = tabWatcher(err.message, err.data);
        const busy = watcher === undefined ? session : watcher;
        const what = watcher === undefined ? `session ${session}` : `could not start session ${session}`;
        const actions = busy ? ['Attach', 'Stop It'] : [];
        const choice = await showError(what, err, () => this.showLogs(busy ?? session), ...actions);
        if (busy && choice === 'Attach') await this.attachTo(busy);
        if (busy && choice === 'Stop It') await this.stopSession(busy);
      } else {
        // What bdg-rpc needs (a Chrome, a writable BDG_HOME...): the doctor's
        // first problem beside the error, its whole report in the output.
        const report = await runDoctor(this.binary());
        if (report) this.output.appendLine(formatDoctor(report));
        const problem = report ? doctorProblem(report) : undefined;
        const what = problem ? `could not start session ${session} (bdg-rpc doctor: ${problem})` : `could not start session ${session}`;
        await showError(what, err, () => this.showLogs(session));
      }
      return undefined;
    } finally {
      this.updateContext();
    }
  }

  /**
   * BDG: Attach to Chrome Tab…: asks where the browser is (auto-connect, an
   * endpoint used before, or a new one) and which of its tabs (browser/tabs),
   * then starts the session on that tab. An argument with endpoint or
   * autoConnect, and tab, asks nothing.
   */
  async attachTab(arg?: unknown): Promise<void> {
    const args = parseAttachArgs(arg);
    const source = argsSource(args) ?? (await this.pickSource());
    if (!source) return;

    let choice: TabChoice | undefined;
    let title: string | undefined;
    if (args?.tab) {
      choice = { tab: args.tab };
      title = args.tab;
    } else {
      const tabs = await this.listTabs(source);
      if (!tabs) return;
      const picked = await this.pickTab(tabs);
      if (!picked) return;
      choice = picked.choice;
      title = picked.title;
    }

    const session = this.sessionName();
    const params = attachStartParams(session, source, choice);
    const result = await this.start(params, `BDG: attaching session ${session} to ${title ?? sourceLabel(source)}`);
    if (!result) return;
    if ('endpoint' in source) await this.rememberEndpoint(source.endpoint);
    if (result.attach?.captureFrom === 'attach') {
      // Not awaited: the command is done once the session runs.
      void this.offerReload(session, tabTitle(result.target));
    }
  }

  /** The first quick pick: auto-connect, the endpoints used before (removable), or a new one. */
  private async pickSource(): Promise<Source | undefined> {
    const remove: vscode.QuickInputButton = { iconPath: new vscode.ThemeIcon('close'), tooltip: 'Forget this endpoint' };
    const qp = vscode.window.createQuickPick<SourceItem & vscode.QuickPickItem>();
    qp.title = 'BDG: Attach to Chrome Tab';
    qp.placeholder = 'Where is the Chrome to attach to? (it must run with remote debugging on; or type an endpoint)';
    qp.ignoreFocusOut = true;
    qp.matchOnDescription = true;
    const fill = (): void => {
      qp.items = sourceItems(this.endpoints()).map((item) =>
        item.action === 'endpoint' ? { ...item, buttons: [remove] } : item,
      );
    };
    fill();
    const picked = await new Promise<SourceItem | undefined>((resolve) => {
      const ds: vscode.Disposable[] = [];
      const done = (v: SourceItem | undefined): void => {
        for (const d of ds) d.dispose();
        resolve(v);
        qp.dispose();
      };
      ds.push(
        qp.onDidAccept(() => {
          // Typed, matching no item: the endpoint itself.
          const typed = qp.value.trim();
          done(qp.selectedItems[0] ?? (typed ? { label: typed, action: 'endpoint', endpoint: typed } : undefined));
        }),
        qp.onDidHide(() => done(undefined)),
        qp.onDidTriggerItemButton(async (e) => {
          if (e.item.endpoint === undefined) return;
          await this.context.globalState.update(ENDPOINTS_KEY, forgetEndpoint(this.endpoints(), e.item.endpoint));
          fill();
        }),
      );
      qp.show();
    });
    if (!picked) return undefined;
    if (picked.action === 'auto') return { autoConnect: true };
    if (picked.action === 'endpoint' && picked.endpoint) return { endpoint: picked.endpoint };
    const endpoint = await vscode.window.showInputBox({
      title: 'BDG: Attach to Chrome Tab',
      prompt: "The running Chrome's DevTools endpoint",
      placeHolder: ENDPOINT_PLACEHOLDER,
      ignoreFocusOut: true,
      validateInput: validateEndpoint,
    });
    return endpoint?.trim() ? { endpoint: endpoint.trim() } : undefined;
  }

  /** browser/tabs, with a busy notification; errors are shown (undefined). */
  private async listTabs(source: Source): Promise<TabsResult | undefined> {
    try {
      const result = await vscode.window.withProgress(
        {
          location: vscode.ProgressLocation.Notification,
          title: `BDG: looking for Chrome's tabs (${sourceLabel(source)})`,
          cancellable: true,
        },
        (_progress, token) => this.backend().call(Method.BrowserTabs, tabsParams(source), token),
      );
      if ('endpoint' in source) await this.rememberEndpoint(source.endpoint);
      this.output.appendLine(`[client] ${result.endpoint}: ${result.version ?? 'Chrome'} via ${result.via}, ${result.tabs.length} tabs`);
      return result;
    } catch (err) {
      if (isRpcError(err) && err.code === ErrorCodes.RequestCancelled) return undefined;
      await showError(`could not list the tabs of ${sourceLabel(source)}`, err, () => this.output.show());
      return undefined;
    }
  }

  /** The second quick pick: a tab, or a new tab at a URL asked for. */
  private async pickTab(tabs: TabsResult): Promise<{ choice: TabChoice; title: string } | undefined> {
    const pick = await vscode.window.showQuickPick<TabItem & vscode.QuickPickItem>(tabItems(tabs), {
      title: tabsTitle(tabs),
      placeHolder: 'The tab to watch',
      matchOnDescription: true,
      matchOnDetail: true,
      ignoreFocusOut: true,
    });
    if (!pick) return undefined;
    if (pick.action === 'tab' && pick.tab) return { choice: { tab: pick.tab.id }, title: tabTitle(pick.tab) };
    const url = await vscode.window.showInputBox({
      title: 'BDG: Attach to Chrome Tab: a new tab',
      prompt: 'The page to open in a new tab (empty: about:blank)',
      placeHolder: 'http://localhost:3000/',
      value: this.context.globalState.get<string>(LAST_URL_KEY),
      ignoreFocusOut: true,
    });
    if (url === undefined) return undefined;
    if (url.trim()) await this.context.globalState.update(LAST_URL_KEY, url.trim());
    return { choice: { newTab: true, url: url.trim() }, title: url.trim() || 'a new tab' };
  }

  private endpoints(): string[] {
    return cleanEndpoints(this.context.globalState.get<unknown[]>(ENDPOINTS_KEY));
  }

  private async rememberEndpoint(endpoint: string): Promise<void> {
    await this.context.globalState.update(ENDPOINTS_KEY, rememberEndpoint(this.endpoints(), endpoint));
  }

  /** Capture started at attach: says so, with a way to reload the page. */
  private async offerReload(session: string, title: string): Promise<void> {
    const choice = await vscode.window.showInformationMessage(captureStartsNowMessage(title), RELOAD_PAGE);
    if (choice !== RELOAD_PAGE) return;
    try {
      await this.backend().call(Method.PageReload, { session });
    } catch (err) {
      await showError(`could not reload the page of session ${session}`, err, () => this.showLogs(session));
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
      // session/stop without closeTab: an attached tab is detached and stays open.
      const tab = this.attached.delete(session) ? ' The tab stays open.' : '';
      const choice = await vscode.window.showInformationMessage(
        `BDG: session ${session} ended: ${result.counts.network} requests, ${result.counts.console} console messages.${tab}`,
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

  /**
   * The original place of a place in a script of the shown session's page
   * (source/resolve), undefined when it has none or the session cannot
   * say (ended, or not running).
   */
  async resolveSource(url: string, line: number, column?: number): Promise<OriginalLocation | undefined> {
    const place = column === undefined ? { url, line } : { url, line, column };
    return (await this.resolveSources([place]).catch(() => []))[0];
  }

  /** The original places of several places (one source/resolve call); undefined where there is none. */
  async resolveSources(places: { url: string; line: number; column?: number }[]): Promise<(OriginalLocation | undefined)[]> {
    const session = this.model.session;
    if (!session || this.model.phase !== 'running' || places.length === 0) return places.map(() => undefined);
    const r = await this.backend().call(Method.SourceResolve, { session, locations: places.slice(0, 1000) });
    return places.map((_, i) => r.results?.[i]?.original);
  }

  /** object/properties: the properties of an object a console message logged. */
  properties(session: string, objectId: string, target?: string): Promise<ObjectPropertiesResult> {
    return this.backend().call(Method.ObjectProperties, { session, objectId, ...(target ? { target } : {}) });
  }

  /** page/evaluate of expression in session's page, promises awaited. */
  evaluate(session: string, expression: string): Promise<EvaluateResult> {
    return this.backend().call(Method.PageEvaluate, { session, expression, awaitPromise: true });
  }

  /** The workspace path of a source map's source ("maps/src/app.ts"), if it is a file of the workspace. */
  sourcePath(source: string): string | undefined {
    const folders = (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);
    const file = sourceFileFor(source, folders);
    return file ? vscode.workspace.asRelativePath(file) : undefined;
  }

  /** Writes the session's requests as HAR 1.2 to file: `bdg-rpc network har FILE`, which streams them. */
  exportHar(session: string, file: string): Promise<void> {
    const folders = (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);
    return new Promise((resolve, reject) => {
      execFile(this.binary(), ['network', 'har', file, '--session', session], { cwd: folders[0], timeout: 120_000 }, (err, _stdout, stderr) => {
        if (err) reject(new Error(stderr.trim() || err.message));
        else resolve();
      });
    });
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
