import * as vscode from 'vscode';
import type { SessionModel } from '../model';
import { refreshInterval, Throttle } from '../throttle';

/**
 * A flat tree of a session's rows that redraws at most once per throttle
 * interval, however many events arrive: the base of the Network and
 * Console views.
 */
export abstract class ThrottledTree<T> implements vscode.TreeDataProvider<T>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly throttle: Throttle;
  private readonly subscription: { dispose(): void };

  /**
   * @param rows the rows to show, newest first
   * @param count how many rows there are (bigger views redraw less often)
   * @param kind the change of the model that concerns this view
   */
  constructor(
    protected readonly model: SessionModel,
    private readonly rows: () => T[],
    count: () => number,
    kind: 'console' | 'network',
  ) {
    this.throttle = new Throttle(
      () => this.changed.fire(),
      () => refreshInterval(count()),
    );
    this.subscription = model.onDidChange((c) => {
      if (c[kind]) this.throttle.schedule();
    });
  }

  getChildren(element?: T): T[] {
    return element ? [] : this.rows();
  }

  abstract getTreeItem(row: T): vscode.TreeItem;

  dispose(): void {
    this.throttle.dispose();
    this.subscription.dispose();
    this.changed.dispose();
  }
}
