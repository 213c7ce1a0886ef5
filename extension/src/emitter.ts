// A minimal typed event emitter with the shape of vscode.Event, so that the
// client does not depend on the vscode module and runs under plain node.

export interface Disposable {
  dispose(): void;
}

export type Event<T> = (listener: (value: T) => void) => Disposable;

export class Emitter<T> {
  private listeners = new Set<(value: T) => void>();

  readonly event: Event<T> = (listener) => {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  };

  fire(value: T): void {
    for (const l of [...this.listeners]) {
      try {
        l(value);
      } catch (err) {
        // A failing listener must not stop the others or the read loop.
        console.error('bdg: listener failed:', err);
      }
    }
  }

  dispose(): void {
    this.listeners.clear();
  }
}

/** Resolves with the first value of event that satisfies pred. */
export function once<T>(event: Event<T>, pred: (v: T) => boolean = () => true): Promise<T> {
  return new Promise((resolve) => {
    const d = event((v) => {
      if (pred(v)) {
        d.dispose();
        resolve(v);
      }
    });
  });
}
