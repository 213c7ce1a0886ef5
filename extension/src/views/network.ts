// The Network view: one row per request, newest first, redrawn at most
// once per refresh interval however many events arrive.

import * as vscode from 'vscode';
import { isErrorRequest, type SessionModel } from '../model';
import type { NetworkRequest } from '../protocol';
import { formatBytes, formatDuration, requestDescription, requestLabel, targetText } from './format';
import { ThrottledTree } from './tree';

const TYPE_ICONS: Record<string, string> = {
  Document: 'file',
  Script: 'file-code',
  Stylesheet: 'symbol-color',
  Image: 'file-media',
  Media: 'play-circle',
  Font: 'text-size',
  Fetch: 'arrow-swap',
  XHR: 'arrow-swap',
  WebSocket: 'plug',
  EventSource: 'broadcast',
  Manifest: 'json',
};

export function requestIcon(r: NetworkRequest): vscode.ThemeIcon {
  if (r.state === 'failed' || (r.status !== undefined && r.status >= 500)) {
    return new vscode.ThemeIcon('error', new vscode.ThemeColor('errorForeground'));
  }
  if (r.status !== undefined && r.status >= 400) {
    return new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground'));
  }
  if (r.state === 'pending') return new vscode.ThemeIcon('loading~spin');
  const type = r.resourceType ? TYPE_ICONS[r.resourceType] : undefined;
  return new vscode.ThemeIcon(type ?? 'globe', new vscode.ThemeColor('charts.green'));
}

export class NetworkTreeProvider extends ThrottledTree<NetworkRequest> {
  constructor(model: SessionModel) {
    super(model, () => model.requests(), () => model.requestCount, 'network', (shown, all) =>
      `The newest ${shown} of ${all.toLocaleString('en-US')} requests: BDG: Show Network Panel lists them all.`,
    );
  }

  getTreeItem(r: NetworkRequest): vscode.TreeItem {
    const item = new vscode.TreeItem(requestLabel(r), vscode.TreeItemCollapsibleState.None);
    item.id = `${this.model.session ?? ''}/${r.requestId}`;
    item.description = requestDescription(r, this.model.streamCount(r.requestId));
    item.iconPath = requestIcon(r);
    item.contextValue = isErrorRequest(r) ? 'bdgRequestError' : 'bdgRequest';
    item.accessibilityInformation = { label: `${requestLabel(r)} ${item.description}` };
    item.command = {
      command: 'bdg.showRequest',
      title: 'Show Request Details',
      arguments: [r.requestId],
    };
    return item;
  }

  /** The tooltip, made when the pointer rests on a row rather than for every row of every redraw. */
  resolveTreeItem(item: vscode.TreeItem, r: NetworkRequest): vscode.TreeItem {
    item.tooltip = tooltip(r);
    return item;
  }
}

function tooltip(r: NetworkRequest): vscode.MarkdownString {
  const md = new vscode.MarkdownString(undefined, true);
  md.appendMarkdown(`**${r.method}** `);
  md.appendText(r.url);
  md.appendMarkdown('\n\n');
  const rows: Array<[string, string | undefined]> = [
    ['Status', r.status !== undefined ? `${r.status} ${r.statusText ?? ''}` : r.state],
    ['Type', r.resourceType],
    ['MIME', r.mimeType],
    ['Duration', formatDuration(r.duration)],
    ['Size', formatBytes(r.encodedDataLength)],
    ['Error', r.errorText],
    ['From service worker', r.fromServiceWorker ? 'yes' : undefined],
    ['Target', targetText(r.target)],
  ];
  for (const [k, v] of rows) {
    if (v) {
      md.appendMarkdown(`${k}: `);
      md.appendText(v);
      md.appendMarkdown('  \n');
    }
  }
  return md;
}
