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
import { WebviewPanel } from './webviewPanel';

/** What the panel needs of the controller. */
export interface ConsolePanelHost {
  evaluate(session: string, expression: string): Promise<EvaluateResult>;
  resolveSources(places: { url: string; line: number; column?: number }[]): Promise<(OriginalLocation | undefined)[]>;
  sourcePath(source: string): string | undefined;
  properties(session: string, objectId: string, target?: string): Promise<ObjectPropertiesResult>;
}

export class ConsolePanel extends WebviewPanel<ToConsole, FromConsole> {
  static readonly viewId = 'bdg.consolePanel';

  private sentSeq = 0;
  private sentSession: string | undefined;
  private sentRunning = false;

  constructor(
    extensionUri: vscode.Uri,
    private readonly model: SessionModel,
    private readonly host: ConsolePanelHost,
  ) {
    super(extensionUri, 'console', 'Console');
    this.subscriptions.push(model.onDidChange(() => this.schedule()));
  }

  private running(): boolean {
    return this.model.phase === 'running';
  }

  /** Sends the messages that came since the last push; all of them after a new session or run. */
  protected push(full = false): void {
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

  protected async receive(m: FromConsole): Promise<void> {
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
}
