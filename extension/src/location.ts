// Opens a console message's source location: a file: URL, a file of the
// workspace at the URL's path (http://host/app.js -> WORKSPACE/app.js), or
// else the URL in the browser.

import { statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as vscode from 'vscode';

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/** The local file a URL stands for, if any. */
export function localFileFor(url: string, folders: string[]): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  if (u.protocol === 'file:') return fileURLToPath(u);
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return undefined;
  let path = decodeURIComponent(u.pathname);
  if (path.endsWith('/')) path += 'index.html';
  for (const f of folders) {
    const p = join(f, path);
    if (p.startsWith(f) && isFile(p)) return p;
  }
  return undefined;
}

export async function openLocation(url: string, line?: number, column?: number): Promise<void> {
  const folders = (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);
  const file = localFileFor(url, folders);
  if (!file) {
    await vscode.env.openExternal(vscode.Uri.parse(url));
    return;
  }
  const pos = new vscode.Position(Math.max(0, (line ?? 1) - 1), Math.max(0, (column ?? 1) - 1));
  await vscode.window.showTextDocument(vscode.Uri.file(file), {
    selection: new vscode.Range(pos, pos),
    preview: true,
  });
}
