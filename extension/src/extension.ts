// Entry point: registers the views, commands and the bdg: documents.

import * as vscode from 'vscode';
import { Controller } from './controller';
import { RequestDocumentProvider, SCHEME } from './details';
import { openLocation } from './location';
import { SessionModel } from './model';
import { ConsolePanel } from './panels/consolePanel';
import { NetworkPanel } from './panels/networkPanel';
import { ConsoleTreeProvider } from './views/console';
import { NetworkTreeProvider } from './views/network';
import { StatusBar } from './views/statusBar';

let controller: Controller | undefined;

/** Gives a sidebar view to its provider, which says in it when it lists only the newest rows. */
function attached<T>(provider: { attach(view: vscode.TreeView<T>): void }, view: vscode.TreeView<T>): vscode.TreeView<T> {
  provider.attach(view);
  return view;
}

export function activate(context: vscode.ExtensionContext): void {
  const output = vscode.window.createOutputChannel('BDG');
  const model = new SessionModel(vscode.workspace.getConfiguration('bdg').get<number>('maxRows', 10_000));
  const ctl = new Controller(context, model, output);
  controller = ctl;
  ctl.checkBinary();

  const details = new RequestDocumentProvider((s, id) => ctl.fetchRequest(s, id));
  ctl.details = details;
  const network = new NetworkTreeProvider(model);
  const consoleView = new ConsoleTreeProvider(model);
  const networkPanel = new NetworkPanel(context.extensionUri, model, {
    fetchRequest: (s, id) => ctl.fetchRequest(s, id),
    resolveSource: (u, l, c) => ctl.resolveSource(u, l, c),
    sourcePath: (source) => ctl.sourcePath(source),
    exportHar: (s, file) => ctl.exportHar(s, file),
  });
  const consolePanel = new ConsolePanel(context.extensionUri, model, {
    evaluate: (s, e) => ctl.evaluate(s, e),
    resolveSources: (places) => ctl.resolveSources(places),
    sourcePath: (source) => ctl.sourcePath(source),
    properties: (s, id, target) => ctl.properties(s, id, target),
  });
  context.subscriptions.push(
    networkPanel,
    consolePanel,
    vscode.window.registerWebviewViewProvider(ConsolePanel.viewId, consolePanel, { webviewOptions: { retainContextWhenHidden: true } }),
    vscode.commands.registerCommand('bdg.showConsolePanel', () => vscode.commands.executeCommand(`${ConsolePanel.viewId}.focus`)),
    vscode.window.registerWebviewViewProvider(NetworkPanel.viewId, networkPanel, { webviewOptions: { retainContextWhenHidden: true } }),
    vscode.commands.registerCommand('bdg.showNetworkPanel', () => vscode.commands.executeCommand(`${NetworkPanel.viewId}.focus`)),
    output,
    network,
    consoleView,
    new StatusBar(model),
    attached(network, vscode.window.createTreeView('bdg.network', { treeDataProvider: network, showCollapseAll: false })),
    attached(consoleView, vscode.window.createTreeView('bdg.console', { treeDataProvider: consoleView, showCollapseAll: false })),
    details,
    vscode.workspace.registerTextDocumentContentProvider(SCHEME, details),
    vscode.commands.registerCommand('bdg.startSession', (url?: unknown) =>
      ctl.startSession(typeof url === 'string' ? url : undefined),
    ),
    vscode.commands.registerCommand('bdg.stopSession', () => ctl.stopSession()),
    vscode.commands.registerCommand('bdg.attachSession', () => ctl.attachSession()),
    // An argument {endpoint?, autoConnect?, tab?} (keybindings, tests) skips the quick picks it answers.
    vscode.commands.registerCommand('bdg.attachTab', (args?: unknown) => ctl.attachTab(args)),
    vscode.commands.registerCommand('bdg.showRequest', (id?: unknown) =>
      ctl.showRequest(typeof id === 'string' ? id : undefined),
    ),
    vscode.commands.registerCommand('bdg.openSessionJson', () => ctl.openSessionJson()),
    vscode.commands.registerCommand('bdg.showLogs', () => ctl.showLogs()),
    // A string argument (keybindings, tests) is the expression, or the URL: nothing is asked.
    vscode.commands.registerCommand('bdg.evaluate', (expression?: unknown) =>
      ctl.drive.evaluate(typeof expression === 'string' ? expression : undefined),
    ),
    vscode.commands.registerCommand('bdg.reloadPage', () => ctl.drive.reload()),
    vscode.commands.registerCommand('bdg.navigate', (url?: unknown) =>
      ctl.drive.navigate(typeof url === 'string' ? url : undefined),
    ),
    vscode.commands.registerCommand('bdg.takeScreenshot', () => ctl.drive.screenshot()),
    vscode.commands.registerCommand('bdg.openLocation', (url: string, line?: number, column?: number) =>
      openLocation(url, line, column, (u, l, c) => ctl.resolveSource(u, l, c)),
    ),
  );
  // Re-join the configured session if it runs (after a window reload).
  void ctl.autoAttach();
}

/** The backend gets shutdown and exit; sessions keep running. */
export async function deactivate(): Promise<void> {
  await controller?.dispose();
  controller = undefined;
}
