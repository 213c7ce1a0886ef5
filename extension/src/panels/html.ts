// The page of a panel's webview: its script and style from out/webview/,
// under a Content-Security-Policy that allows only the extension's own
// files (no inline script, no other origin) and data: images.

import type * as vscode from 'vscode';

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
