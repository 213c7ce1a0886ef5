// What the panels share: a webview view whose page is its script and style
// from out/webview/, under a Content-Security-Policy that allows only the
// extension's own files (no inline script, no other origin) and data:
// images; its messages both ways; the model's changes pushed at most every
// REFRESH_MS.

import * as vscode from 'vscode';

const REFRESH_MS = 100;

/** A panel's webview view: To the messages it posts, From those it receives. */
export abstract class WebviewPanel<To, From> implements vscode.WebviewViewProvider, vscode.Disposable {
  protected view: vscode.WebviewView | undefined;
  protected readonly subscriptions: vscode.Disposable[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;

  /** name: the page's files (out/webview/NAME.js and .css); title: its title. */
  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly name: string,
    private readonly title: string,
  ) {}

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    const root = vscode.Uri.joinPath(this.extensionUri, 'out', 'webview');
    view.webview.options = { enableScripts: true, localResourceRoots: [root] };
    view.webview.html = webviewHtml(view.webview, root, this.name, this.title);
    view.webview.onDidReceiveMessage((m: From) => void this.receive(m), undefined, this.subscriptions);
    view.onDidDispose(() => {
      this.view = undefined;
    });
  }

  protected post(m: To): void {
    void this.view?.webview.postMessage(m);
  }

  /** Pushes the model's changes once REFRESH_MS have passed, while the view is shown. */
  protected schedule(): void {
    if (this.timer || !this.view) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.push();
    }, REFRESH_MS);
  }

  /** Sends the webview what changed; everything with full. */
  protected abstract push(full?: boolean): void;

  protected abstract receive(m: From): Promise<void>;

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const d of this.subscriptions) d.dispose();
  }
}

export function webviewHtml(webview: vscode.Webview, root: vscode.Uri, name: string, title: string): string {
  const file = (f: string): string => webview.asWebviewUri(root.with({ path: `${root.path}/${f}` })).toString();
  const csp = [
    "default-src 'none'",
    `script-src ${webview.cspSource}`,
    `style-src ${webview.cspSource}`,
    `img-src ${webview.cspSource} data:`,
    `font-src ${webview.cspSource}`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${file(`${name}.css`)}">
<title>${title}</title>
</head>
<body>
<div id="app"></div>
<script src="${file(`${name}.js`)}"></script>
</body>
</html>`;
}
