// The Console panel: a webview view beside the Network panel in the BDG
// container of the bottom Panel. The extension sends it the session's
// console messages as they come (at most every REFRESH_MS, only the new
// ones); the webview (extension/webview/console.ts) filters them by level
// and text, groups repeats, shows stacks, and has an input line that
// evaluates in the page (page/evaluate) with a history. Places are shown
// and opened at their original source (source/resolve).

import * as vscode from 'vscode';
import type { SessionModel } from '../model';
import type { EvaluateResult, ObjectPropertiesResult, OriginalLocation } from '../protocol';
import { placeKey, toConsoleRow, type FromConsole, type ToConsole } from './consoleRows';
import { webviewHtml } from './html';

const REFRESH_MS = 100;

/** What the panel needs of the controller. */
export interface ConsolePanelHost {
  evaluate(session: string, expression: string): Promise<EvaluateResult>;
  resolveSources(places: { url: string; line: number; column?: number }[]): Promise<(OriginalLocation | undefined)[]>;
  sourcePath(source: string): string | undefined;
  properties(session: string, objectId: string, target?: string): Promise<ObjectPropertiesResult>;
}

export class ConsolePanel implements vscode.WebviewViewProvider, vscode.Disposable {
  static readonly viewId = 'bdg.consolePanel';

  private view: vscode.WebviewView | undefined;
  private sentSeq = 0;
  private sentSession: string | undefined;
  private sentRunning = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly model: SessionModel,
    private readonly host: ConsolePanelHost,
  ) {
    this.subscriptions.push(model.onDidChange(() => this.schedule()));
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    const root = vscode.Uri.joinPath(this.extensionUri, 'out', 'webview');
    view.webview.options = { enableScripts: true, localResourceRoots: [root] };
    view.webview.html = webviewHtml(view.webview, root, 'console', 'Console');
    view.webview.onDidReceiveMessage((m: FromConsole) => void this.receive(m), undefined, this.subscriptions);
    view.onDidDispose(() => {
      this.view = undefined;
    });
  }

  private post(m: ToConsole): void {
    void this.view?.webview.postMessage(m);
  }

  private running(): boolean {
    return this.model.phase === 'running';
  }

  private schedule(): void {
    if (this.timer || !this.view) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.push();
    }, REFRESH_MS);
  }

  /** Sends the messages that came since the last push; all of them after a new session or run. */
  private push(full = false): void {
    if (!this.view) return;
    const session = this.model.session;
    const running = this.running();
    const newRun = this.model.messageCount > 0 && this.model.firstConsoleSeq > this.sentSeq + 1 && this.sentSeq > 0;
    if (full || session !== this.sentSession || this.model.lastConsoleSeq < this.sentSeq || newRun) {
      const rows = this.model.messagesAfter(0).map(toConsoleRow);
      this.sentSession = session;
      this.sentSeq = this.model.lastConsoleSeq;
      this.sentRunning = running;
      const m: ToConsole = { type: 'reset', rows, running };
      if (session !== undefined) m.session = session;
      this.post(m);
      return;
    }
    const rows = this.model.messagesAfter(this.sentSeq);
    if (rows.length > 0) {
      this.sentSeq = (rows[rows.length - 1] as { seq: number }).seq;
      this.post({ type: 'append', rows: rows.map(toConsoleRow) });
    }
    if (running !== this.sentRunning) {
      this.sentRunning = running;
      this.post({ type: 'state', running });
    }
  }

  private async receive(m: FromConsole): Promise<void> {
    switch (m.type) {
      case 'ready':
        this.push(true);
        return;
      case 'evaluate': {
        const session = this.model.session;
        if (!session || !this.running()) {
          this.post({ type: 'evaluated', id: m.id, error: 'No running session: start or attach to one first.' });
          return;
        }
        try {
          this.post({ type: 'evaluated', id: m.id, result: await this.host.evaluate(session, m.expression) });
        } catch (err) {
          this.post({ type: 'evaluated', id: m.id, error: err instanceof Error ? err.message : String(err) });
        }
        return;
      }
      case 'resolve': {
        const out: [string, string | null][] = [];
        for (let i = 0; i < m.places.length; i += 1000) {
          const chunk = m.places.slice(i, i + 1000);
          const originals = await this.host.resolveSources(chunk).catch(() => chunk.map(() => undefined));
          chunk.forEach((p, j) => {
            const o = originals[j];
            out.push([placeKey(p), o ? `${this.host.sourcePath(o.source) ?? o.source}:${o.line}:${o.column}` : null]);
          });
        }
        this.post({ type: 'resolved', places: out });
        return;
      }
      case 'open':
        await vscode.commands.executeCommand('bdg.openLocation', m.place.url, m.place.line, m.place.column);
        return;
      case 'properties': {
        const session = this.model.session;
        if (!session || !this.running()) {
          this.post({ type: 'properties', key: m.key, error: 'The session has ended: its objects are gone.' });
          return;
        }
        try {
          this.post({ type: 'properties', key: m.key, result: await this.host.properties(session, m.objectId, m.target) });
        } catch (err) {
          this.post({ type: 'properties', key: m.key, error: err instanceof Error ? err.message : String(err) });
        }
        return;
      }
    }
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const d of this.subscriptions) d.dispose();
  }
}
