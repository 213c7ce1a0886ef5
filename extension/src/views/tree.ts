import * as vscode from 'vscode';
import type { SessionModel } from '../model';
import { refreshInterval, Throttle } from '../throttle';

/** How many rows a sidebar view shows, the newest: the panels show them all. */
export const TREE_ROWS = 500;

/**
 * A flat tree of a session's newest rows (TREE_ROWS of them: a sidebar
 * list of thousands is read by nobody, and each redraw sends every row to
 * the workbench) that redraws at most once per throttle interval, however
 * many events arrive: the base of the Network and Console views. The view
 * says when there are more, and where they all are.
 */
export abstract class ThrottledTree<T> implements vscode.TreeDataProvider<T>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly throttle: Throttle;
  private readonly subscription: { dispose(): void };
  private view: vscode.TreeView<T> | undefined;

  /**
   * @param rows the rows to show, newest first
   * @param count how many rows there are (bigger views redraw less often)
   * @param kind the change of the model that concerns this view
   */
  constructor(
    protected readonly model: SessionModel,
    private readonly rows: () => T[],
    private readonly count: () => number,
    kind: 'console' | 'network',
    private readonly more: (shown: number, all: number) => string,
  ) {
    this.throttle = new Throttle(
      () => {
        this.changed.fire();
        this.sayMore();
      },
      () => refreshInterval(Math.min(count(), TREE_ROWS)),
    );
    this.subscription = model.onDidChange((c) => {
      if (c[kind]) this.throttle.schedule();
    });
  }

  /** Shows in view when there are more rows than it lists. */
  attach(view: vscode.TreeView<T>): void {
    this.view = view;
    this.sayMore();
  }

  private sayMore(): void {
    if (!this.view) return;
    const all = this.count();
    this.view.message = all > TREE_ROWS ? this.more(TREE_ROWS, all) : undefined;
  }

  getChildren(element?: T): T[] {
    return element ? [] : this.rows().slice(0, TREE_ROWS);
  }

  abstract getTreeItem(row: T): vscode.TreeItem;

  dispose(): void {
    this.throttle.dispose();
    this.subscription.dispose();
    this.changed.dispose();
  }
}
