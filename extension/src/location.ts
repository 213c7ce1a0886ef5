// Opens a console message's source location: the original source's place
// when the script has a source map (source/resolve), as a workspace file
// (webpack:///src/a.ts, a dev server's http://host/src/a.ts, Vite's
// /@fs/ABS), else the script's: a file: URL, a file of the workspace at
// the URL's path (http://host/app.js -> WORKSPACE/app.js), or else the URL
// in the browser.

import * as vscode from 'vscode';
import type { OriginalLocation } from './protocol';
import { localFileFor, sourceFileFor } from './sources';

/** Resolves a place of a script to its original, if the script has a map. */
export type Resolver = (url: string, line: number, column?: number) => Promise<OriginalLocation | undefined>;

export async function openLocation(url: string, line?: number, column?: number, resolve?: Resolver): Promise<void> {
  const folders = (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);
  if (resolve && line !== undefined && line > 0) {
    const original = await resolve(url, line, column).catch(() => undefined);
    const file = original && sourceFileFor(original.source, folders);
    if (original && file) {
      await showAt(file, original.line, original.column);
      return;
    }
  }
  const file = localFileFor(url, folders);
  if (!file) {
    await vscode.env.openExternal(vscode.Uri.parse(url));
    return;
  }
  await showAt(file, line, column);
}

async function showAt(file: string, line?: number, column?: number): Promise<void> {
  const pos = new vscode.Position(Math.max(0, (line ?? 1) - 1), Math.max(0, (column ?? 1) - 1));
  await vscode.window.showTextDocument(vscode.Uri.file(file), {
    selection: new vscode.Range(pos, pos),
    preview: true,
  });
}
