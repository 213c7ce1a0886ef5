// Read-only documents of a request's headers and body, under the bdg: URI
// scheme: bdg:/SESSION/REQUEST-ID/NAME. Opening one asks network/get with
// body: true.

import * as vscode from 'vscode';
import type { NetworkRequest, NetworkGetResult } from './protocol';
import { describeError } from './errors';
import { requestDetails } from './views/format';

export const SCHEME = 'bdg';

export function requestUri(session: string, r: Pick<NetworkRequest, 'requestId' | 'url' | 'method'>): vscode.Uri {
  let name = 'request';
  try {
    name = new URL(r.url).pathname.split('/').filter(Boolean).pop() ?? new URL(r.url).host;
  } catch {
    // keep "request"
  }
  name = `${r.method} ${name || 'index'}`.replace(/[\\/:*?"<>|]/g, '_');
  return vscode.Uri.from({
    scheme: SCHEME,
    path: `/${encodeURIComponent(session)}/${encodeURIComponent(r.requestId)}/${name}`,
  });
}

export function parseRequestUri(uri: vscode.Uri): { session: string; requestId: string } | undefined {
  const parts = uri.path.split('/');
  if (parts.length < 3) return undefined;
  return { session: decodeURIComponent(parts[1]), requestId: decodeURIComponent(parts[2]) };
}

export type RequestFetcher = (session: string, requestId: string) => Promise<NetworkGetResult>;

export class RequestDocumentProvider implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  /** Fired to have an open document asked for again (the request moved on). */
  readonly onDidChange = this.changed.event;

  constructor(private readonly fetch: RequestFetcher) {}

  refresh(uri: vscode.Uri): void {
    this.changed.fire(uri);
  }

  dispose(): void {
    this.changed.dispose();
  }

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const ref = parseRequestUri(uri);
    if (!ref) return `Not a BDG request: ${uri.toString()}\n`;
    try {
      const { request, stale } = await this.fetch(ref.session, ref.requestId);
      const note = stale ? '(from the session files: the worker is gone)\n\n' : '';
      return note + requestDetails(request);
    } catch (err) {
      return `Could not get request ${ref.requestId} of session ${ref.session}:\n${describeError(err)}\n`;
    }
  }
}
