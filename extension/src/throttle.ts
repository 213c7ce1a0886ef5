// Coalesces bursts of "something changed" into at most one call per
// interval: the first change after a quiet spell is shown at once (next
// tick), the rest of a burst at the interval's end.

export class Throttle {
  private timer: NodeJS.Timeout | undefined;
  private last = 0;
  private disposed = false;

  /** @param intervalMs the least time between two calls, asked afresh each time. */
  constructor(
    private readonly fn: () => void,
    private readonly intervalMs: () => number,
  ) {}

  schedule(): void {
    if (this.timer || this.disposed) return;
    const wait = Math.max(0, this.last + this.intervalMs() - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.last = Date.now();
      this.fn();
    }, wait);
  }

  /** Runs fn now if a call is pending. */
  flush(): void {
    if (!this.timer) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.last = Date.now();
    this.fn();
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/**
 * The redraw interval for a view of n rows: 150 ms, growing with the rows
 * each redraw sends to the workbench, up to 1 s.
 */
export function refreshInterval(rows: number): number {
  return Math.min(1000, 150 + Math.floor(rows / 20));
}
