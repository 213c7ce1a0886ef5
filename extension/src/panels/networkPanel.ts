// The Network panel: a webview view in the BDG container of the bottom
// Panel. The extension sends it rows (rows.ts) as the session's requests
// change, at most every REFRESH_MS, only those that changed; the webview
// (extension/webview/network.ts) filters, sorts and draws them, and asks
// for a request's details and for the copy and export actions.

import * as vscode from 'vscode';
import type { SessionModel } from '../model';
import type { NetworkGetResult, NetworkRequest, OriginalLocation } from '../protocol';
import { asCurl, asFetch, responseText } from './copy';
import { WebviewPanel } from './webviewPanel';
import { toRow, type FromWebview, type PanelRow, type ToWebview } from './rows';

/** What the panel needs of the controller. */
export interface NetworkPanelHost {
  fetchRequest(session: string, requestId: string): Promise<NetworkGetResult>;
  resolveSource(url: string, line: number, column?: number): Promise<OriginalLocation | undefined>;
  /** The workspace path of an original source, for its display ("src/app.ts"), if it is a file there. */
  sourcePath(source: string): string | undefined;
  exportHar(session: string, file: string): Promise<void>;
}

/** Past this many rows gone since the last push, the webview gets them all again rather than the ids to drop. */
const MAX_REMOVED = 5000;

export class NetworkPanel extends WebviewPanel<ToWebview, FromWebview> {
  static readonly viewId = 'bdg.networkPanel';

  private readonly sent = new Map<string, number>(); // request id -> seq sent
  private sentEvicted = 0; // the model's requestsEvicted when the webview last caught up with it
  private sentSession: string | undefined;

  constructor(
    extensionUri: vscode.Uri,
    private readonly model: SessionModel,
    private readonly host: NetworkPanelHost,
  ) {
    super(extensionUri, 'network', 'Network');
    this.subscriptions.push(
      model.onDidChange((c) => {
        if (c.network) this.schedule();
      }),
    );
  }

  /** Sends what changed since the last push; everything after a new session or run. */
  protected push(full = false): void {
    if (!this.view) return;
    const requests = this.model.requests();
    const session = this.model.session;
    const evicted = this.model.requestsEvicted;
    // Rows gone without evictions: a new run of the session cleared the model.
    const cleared = evicted === this.sentEvicted && requests.length < this.sent.size;
    if (full || session !== this.sentSession || cleared || evicted - this.sentEvicted > MAX_REMOVED) {
      this.sentEvicted = evicted;
      this.sent.clear();
      this.sentSession = session;
      for (const r of requests) this.sent.set(r.requestId, r.seq);
      const m: ToWebview = { type: 'reset', rows: requests.map(toRow) };
      if (session !== undefined) m.session = session;
      this.post(m);
      return;
    }
    if (evicted !== this.sentEvicted) {
      this.sentEvicted = evicted;
      // The model let its oldest rows go (bdg.maxRows): the webview lets
      // them go too. (Sending every row again instead, on each push once a
      // page passes the bound, kept a page of 10,000 requests seconds
      // behind.)
      const removed: string[] = [];
      for (const id of this.sent.keys()) {
        if (!this.model.request(id)) removed.push(id);
      }
      for (const id of removed) this.sent.delete(id);
      this.post({ type: 'remove', ids: removed });
    }
    const changed: PanelRow[] = [];
    for (const r of requests) {
      if (this.sent.get(r.requestId) !== r.seq) {
        this.sent.set(r.requestId, r.seq);
        changed.push(toRow(r));
      }
    }
    if (changed.length > 0) this.post({ type: 'upsert', rows: changed });
  }

  protected async receive(m: FromWebview): Promise<void> {
    switch (m.type) {
      case 'ready':
        this.push(true);
        return;
      case 'select':
        await this.details(m.id);
        return;
      case 'copy':
        await this.copy(m.id, m.what);
        return;
      case 'saveHar':
        await this.saveHar();
        return;
      case 'openInitiator': {
        const r = this.model.request(m.id);
        const i = r?.initiator;
        if (i?.url && i.line) await vscode.commands.executeCommand('bdg.openLocation', i.url, i.line, i.column);
        return;
      }
    }
  }

  private async fetch(id: string): Promise<NetworkRequest> {
    const session = this.model.session;
    if (!session) throw new Error('no session');
    return (await this.host.fetchRequest(session, id)).request;
  }

  private async details(id: string): Promise<void> {
    try {
      const request = await this.fetch(id);
      const m: ToWebview = { type: 'details', id, details: { request } };
      const i = request.initiator;
      if (i?.url && i.line) {
        const o = await this.host.resolveSource(i.url, i.line, i.column);
        if (o && m.details) m.details.initiatorOriginal = { ...o, display: `${this.host.sourcePath(o.source) ?? o.source}:${o.line}:${o.column}` };
      }
      this.post(m);
    } catch (err) {
      this.post({ type: 'details', id, error: err instanceof Error ? err.message : String(err) });
    }
  }

  private async copy(id: string, what: 'url' | 'curl' | 'fetch' | 'response'): Promise<void> {
    try {
      const r = what === 'url' ? (this.model.request(id) ?? (await this.fetch(id))) : await this.fetch(id);
      let text: string | undefined;
      switch (what) {
        case 'url':
          text = r.url;
          break;
        case 'curl':
          text = asCurl(r);
          break;
        case 'fetch':
          text = asFetch(r);
          break;
        case 'response':
          text = responseText(r);
          if (text === undefined) {
            void vscode.window.showInformationMessage(`BDG: no response body was kept for ${r.url}${r.bodyOmitted ? ` (${r.bodyOmitted})` : ''}.`);
            return;
          }
      }
      await vscode.env.clipboard.writeText(text);
      vscode.window.setStatusBarMessage(`BDG: copied ${what === 'url' ? 'the URL' : what === 'response' ? 'the response' : `as ${what}`}`, 4000);
    } catch (err) {
      void vscode.window.showErrorMessage(`BDG: could not copy: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private async saveHar(): Promise<void> {
    const session = this.model.session;
    if (!session) return;
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const target = await vscode.window.showSaveDialog({
      title: 'BDG: Save as HAR',
      filters: { HAR: ['har'] },
      ...(folder ? { defaultUri: vscode.Uri.joinPath(folder, `${session}.har`) } : {}),
    });
    if (!target) return;
    try {
      await this.host.exportHar(session, target.fsPath);
      vscode.window.setStatusBarMessage(`BDG: saved ${target.fsPath}`, 6000);
    } catch (err) {
      void vscode.window.showErrorMessage(`BDG: could not save the HAR: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}
