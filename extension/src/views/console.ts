// The Console view: messages newest first, with level icons and the
// source location, redrawn at most once per refresh interval; and BDG:
// Evaluate…'s entries among them (drive.ts), which expand into the
// properties of their value or the stack of their exception.

import * as vscode from 'vscode';
import {
  consoleRows,
  evaluationLabel,
  evaluationText,
  evaluationTooltip,
  hasChildren,
  isEvaluationNode,
  moreLabel,
  nodeChildren,
  nodeIcon,
  propertyLabel,
  previewValue,
  type ConsoleRow,
  type EvaluationNode,
} from '../drive';
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

export class ConsoleTreeProvider extends ThrottledTree<ConsoleRow> {
  constructor(model: SessionModel) {
    super(model, () => consoleRows(model.messages(), model.evaluations.entries()), () => model.messageCount, 'console', (shown, all) =>
      `The newest ${shown} of ${all.toLocaleString('en-US')} messages: BDG: Show Console Panel lists them all.`,
    );
  }

  override getChildren(row?: ConsoleRow): ConsoleRow[] {
    if (row && isEvaluationNode(row)) return nodeChildren(row);
    return super.getChildren(row);
  }

  getTreeItem(row: ConsoleRow): vscode.TreeItem {
    return isEvaluationNode(row) ? this.evaluationItem(row) : this.messageItem(row);
  }

  /** A message's tooltip (its text, stack and place), made when the pointer rests on its row rather than for every row of every redraw. */
  resolveTreeItem(item: vscode.TreeItem, row: ConsoleRow): vscode.TreeItem {
    if (isEvaluationNode(row) || item.tooltip !== undefined) return item;
    const m = row;
    const md = new vscode.MarkdownString();
    md.appendCodeblock(m.stack ? `${m.text}\n${m.stack}` : m.text, 'text');
    if (m.url) md.appendText(`${m.url}${m.line !== undefined ? `:${m.line}` : ''}`);
    const origin = messageOrigin(m);
    if (origin) {
      if (m.url) md.appendMarkdown('  \n');
      md.appendText(`From: ${origin}`);
    }
    item.tooltip = md;
    return item;
  }

  private messageItem(m: ConsoleMessage): vscode.TreeItem {
    const item = new vscode.TreeItem(messageLabel(m), vscode.TreeItemCollapsibleState.None);
    item.id = `${this.model.session ?? ''}/${m.seq}`;
    item.description = messageLocation(m);
    item.iconPath = levelIcon(m);
    item.contextValue = `bdgConsole.${m.level}`;
    if (m.url) {
      item.command = {
        command: 'bdg.openLocation',
        title: 'Open Source Location',
        arguments: [m.url, m.line, m.column],
      };
    }
    return item;
  }

  /** `> expression` and its value; a property of the value; a frame of the stack; "… N more". */
  private evaluationItem(node: EvaluationNode): vscode.TreeItem {
    const state = hasChildren(node) ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None;
    const item = new vscode.TreeItem('', state);
    // A pending entry gets its own id: answered, it may expand.
    item.id = node.kind === 'evaluation' && !node.result ? `${node.id}?` : node.id;
    const error = node.kind === 'evaluation' && node.result?.exception;
    item.iconPath = new vscode.ThemeIcon(nodeIcon(node), error ? new vscode.ThemeColor('errorForeground') : undefined);
    switch (node.kind) {
      case 'evaluation': {
        item.label = evaluationLabel(node.expression);
        item.description = evaluationText(node);
        item.tooltip = new vscode.MarkdownString().appendCodeblock(evaluationTooltip(node), 'text');
        item.contextValue = 'bdgEvaluation';
        break;
      }
      case 'property':
        item.label = propertyLabel(node);
        item.tooltip = previewValue(node.value, 1000);
        item.contextValue = 'bdgEvaluation.property';
        break;
      case 'stack':
        item.label = node.text;
        if (node.location) {
          const { url, line, column } = node.location;
          item.command = { command: 'bdg.openLocation', title: 'Open Source Location', arguments: [url, line, column] };
        }
        break;
      case 'more':
        item.label = moreLabel(node);
        break;
    }
    return item;
  }
}
