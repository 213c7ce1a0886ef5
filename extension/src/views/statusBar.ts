// The status bar item: the session's state and counts, redrawn at most
// every 250 ms.

import * as vscode from 'vscode';
import type { SessionModel } from '../model';
import { Throttle } from '../throttle';
import { targetSummary } from './format';

export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('bdg.status', vscode.StatusBarAlignment.Left, 50);
  private readonly throttle = new Throttle(() => this.render(), () => 250);
  private readonly subscription: { dispose(): void };

  constructor(private readonly model: SessionModel) {
    this.item.name = 'BDG';
    this.item.command = 'workbench.view.extension.bdg';
    this.subscription = model.onDidChange(() => this.throttle.schedule());
    this.render();
  }

  /** Text of the item, for the model as it stands. */
  static text(model: SessionModel): string {
    if (model.phase === 'idle' || !model.session) return '$(pulse) BDG';
    const t = model.totals;
    const icon = model.phase === 'running' ? '$(pulse)' : model.phase === 'ended' ? '$(circle-slash)' : '$(sync~spin)';
    let s = `${icon} BDG ${model.session}: ${model.phase} $(globe) ${t.network}`;
    if (t.networkErrors > 0) s += ` $(error) ${t.networkErrors}`;
    s += ` $(output) ${t.console}`;
    if (t.consoleErrors > 0) s += ` $(error) ${t.consoleErrors}`;
    return s;
  }

  /** What a screen reader says: the same, in words. */
  static label(model: SessionModel): string {
    if (model.phase === 'idle' || !model.session) return 'BDG: no session';
    const t = model.totals;
    return (
      `BDG session ${model.session}: ${model.phase}, ${t.network} requests (${t.networkErrors} failed), ` +
      `${t.console} console messages (${t.consoleErrors} errors)`
    );
  }

  render(): void {
    const m = this.model;
    this.item.text = StatusBar.text(m);
    this.item.accessibilityInformation = { label: StatusBar.label(m), role: 'button' };
    const t = m.totals;
    const targets = m.targetCounts();
    const lines = [
      m.session ? `Session ${m.session}: ${m.phase}` : 'No BDG session',
      m.targetUrl ? `Page: ${m.targetUrl}` : '',
      `Requests: ${t.network} (${t.networkErrors} failed or 4xx/5xx)`,
      `Console: ${t.console} (${t.consoleErrors} errors, ${t.consoleWarnings} warnings)`,
      t.frames > 0 ? `WebSocket frames and EventSource messages: ${t.frames}` : '',
      targetSummary(targets.live, targets.ended) ?? '',
      t.lost > 0 ? `Events lost (events/dropped): ${t.lost}` : '',
      t.evicted > 0 ? `Oldest rows let go to keep the views bounded: ${t.evicted}` : '',
      m.ended ? `Ended: ${m.ended.reason}${m.ended.error ? ` (${m.ended.error})` : ''}` : '',
    ];
    this.item.tooltip = lines.filter(Boolean).join('\n');
    this.item.backgroundColor =
      m.phase === 'reconnecting' ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    this.item.show();
  }

  dispose(): void {
    this.throttle.dispose();
    this.subscription.dispose();
    this.item.dispose();
  }
}
