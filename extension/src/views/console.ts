// The Console view: messages newest first, with level icons and the
// source location, redrawn at most once per refresh interval.

import * as vscode from 'vscode';
import type { SessionModel } from '../model';
import type { ConsoleLevel, ConsoleMessage } from '../protocol';
import { messageLabel, messageLocation, messageOrigin } from './format';
import { ThrottledTree } from './tree';

const LEVEL_ICONS: Record<ConsoleLevel, [string, string | undefined]> = {
  error: ['error', 'errorForeground'],
  warning: ['warning', 'list.warningForeground'],
  info: ['info', 'charts.blue'],
  log: ['output', undefined],
  debug: ['debug', 'descriptionForeground'],
};

export function levelIcon(m: ConsoleMessage): vscode.ThemeIcon {
  if (m.source === 'exception') return new vscode.ThemeIcon('flame', new vscode.ThemeColor('errorForeground'));
  const [icon, color] = LEVEL_ICONS[m.level] ?? ['output', undefined];
  return new vscode.ThemeIcon(icon, color ? new vscode.ThemeColor(color) : undefined);
}

export class ConsoleTreeProvider extends ThrottledTree<ConsoleMessage> {
  constructor(model: SessionModel) {
    super(model, () => model.messages(), () => model.messageCount, 'console');
  }

  getTreeItem(m: ConsoleMessage): vscode.TreeItem {
    const item = new vscode.TreeItem(messageLabel(m), vscode.TreeItemCollapsibleState.None);
    item.id = `${this.model.session ?? ''}/${m.seq}`;
    item.description = messageLocation(m);
    item.iconPath = levelIcon(m);
    item.contextValue = `bdgConsole.${m.level}`;
    const md = new vscode.MarkdownString();
    md.appendCodeblock(m.stack ? `${m.text}\n${m.stack}` : m.text, 'text');
    if (m.url) md.appendText(`${m.url}${m.line !== undefined ? `:${m.line}` : ''}`);
    const origin = messageOrigin(m);
    if (origin) {
      if (m.url) md.appendMarkdown('  \n');
      md.appendText(`From: ${origin}`);
    }
    item.tooltip = md;
    if (m.url) {
      item.command = {
        command: 'bdg.openLocation',
        title: 'Open Source Location',
        arguments: [m.url, m.line, m.column],
      };
    }
    return item;
  }
}
