// What the views show of one session: its requests (one row per requestId,
// replaced as events come) and console messages, bounded to the newest
// maxRows of each, plus the counts for the status bar: how many frames each
// WebSocket (or messages each EventSource) of the rows has had, and the
// targets of the page (workers, iframes, popups...) followed now and gone;
// and BDG: Evaluate…'s entries, which the Console view shows among the
// messages.
// It applies events as they come and says what changed; the views decide
// when to redraw.

// vscode-jsonrpc's Emitter, not vscode's: the model runs in the unit tests too.
import { Emitter } from 'vscode-jsonrpc/node';
import { EvaluationLog } from './drive';
import {
  Notification,
  type ConsoleMessage,
  type DroppedEvent,
  type EndedEvent,
  type NetworkRequest,
  type SessionEvent,
  type TargetRef,
} from './protocol';

export type SessionPhase = 'idle' | 'starting' | 'running' | 'reconnecting' | 'ended';

export interface Change {
  network: boolean;
  console: boolean;
}

export interface Totals {
  /** Requests seen (distinct ids), including rows no longer kept. */
  network: number;
  /** Requests that failed or answered 4xx/5xx. */
  networkErrors: number;
  console: number;
  consoleErrors: number;
  consoleWarnings: number;
  /** Events the backend said were lost (events/dropped). */
  lost: number;
  /** Rows let go to keep the views bounded. */
  evicted: number;
  /** WebSocket frames and EventSource messages seen. */
  frames: number;
}

/** Targets of the page by type (page, iframe, worker...): followed now, and gone. */
export interface TargetCounts {
  live: Record<string, number>;
  ended: Record<string, number>;
}

/**
 * Targets followed at once that the model remembers: the worker follows at
 * most 256; beyond this, a target/attached is only counted when it goes.
 */
const MAX_LIVE_TARGETS = 1024;

export function isErrorRequest(r: NetworkRequest): boolean {
  return r.state === 'failed' || (r.status !== undefined && r.status >= 400);
}

export class SessionModel {
  private readonly requestRows = new Map<string, NetworkRequest>();
  private consoleRows: ConsoleMessage[] = [];
  private readonly erroredIds = new Set<string>();
  /** Frames (or EventSource messages) seen per request id of the rows. */
  private readonly streamed = new Map<string, number>();
  private readonly liveTargets = new Map<string, TargetRef>();
  private endedTargets: Record<string, number> = {};

  session: string | undefined;
  phase: SessionPhase = 'idle';
  ended: EndedEvent | undefined;
  targetUrl: string | undefined;
  totals: Totals = emptyTotals();

  private readonly changeEmitter = new Emitter<Change>();
  /** Fired for every change; listeners throttle their redraws. */
  readonly onDidChange = this.changeEmitter.event;

  /** BDG: Evaluate…'s entries in the Console view (drive.ts); emptied with the rows. */
  readonly evaluations = new EvaluationLog();

  constructor(public maxRows = 10_000) {
    this.evaluations.onDidChange(() => this.changeEmitter.fire({ network: false, console: true }));
  }

  /** Starts over for session: empties every row. */
  reset(session: string | undefined, phase: SessionPhase): void {
    this.session = session;
    this.phase = phase;
    this.clear(undefined);
  }

  /**
   * Starts over for a new run of the session shown (it was started again
   * under the same name): the old run's rows and counts go, since its seqs
   * and request ids mean nothing to the new one. The phase stays, but an
   * ended run's is running again. False, and nothing done, for another
   * session.
   */
  newRun(session: string, targetUrl?: string): boolean {
    if (session !== this.session) return false;
    if (this.phase === 'ended') this.phase = 'running';
    this.clear(targetUrl);
    return true;
  }

  private clear(targetUrl: string | undefined): void {
    this.ended = undefined;
    this.targetUrl = targetUrl;
    this.requestRows.clear();
    this.consoleRows = [];
    this.evaluations.clear();
    this.erroredIds.clear();
    this.streamed.clear();
    this.liveTargets.clear();
    this.endedTargets = {};
    this.totals = emptyTotals();
    this.changeEmitter.fire({ network: true, console: true });
  }

  setPhase(phase: SessionPhase): void {
    if (this.phase === phase) return;
    this.phase = phase;
    this.changeEmitter.fire({ network: false, console: false });
  }

  /** Applies an event of this model's session; others are ignored. */
  apply(ev: SessionEvent): void {
    if (ev.params.session !== this.session) return;
    switch (ev.method) {
      case Notification.ConsoleMessage:
        this.addConsole(ev.params.message);
        this.changeEmitter.fire({ network: false, console: true });
        return;
      case Notification.NetworkRequest:
      case Notification.NetworkResponse:
      case Notification.NetworkFinished:
      case Notification.NetworkFailed:
      case Notification.NetworkWebsocket:
        this.putRequest(ev.params.request);
        this.changeEmitter.fire({ network: true, console: false });
        return;
      case Notification.WebsocketFrame:
        this.countStreamed(ev.params.frame?.requestId);
        return;
      case Notification.EventsourceMessage:
        this.countStreamed(ev.params.message?.requestId);
        return;
      case Notification.TargetAttached:
        this.targetAttached(ev.params.target);
        return;
      case Notification.TargetDetached:
        this.targetDetached(ev.params.target);
        return;
      case Notification.PageNavigated:
        this.targetUrl = ev.params.navigation.url;
        this.changeEmitter.fire({ network: false, console: false });
        return;
      case Notification.SessionEnded:
        this.ended = ev.params;
        this.phase = 'ended';
        this.changeEmitter.fire({ network: false, console: false });
        return;
    }
  }

  applyDropped(d: DroppedEvent): void {
    if (d.session !== this.session) return;
    this.totals.lost += d.count;
    this.changeEmitter.fire({ network: false, console: false });
  }

  /** Requests, newest first. */
  requests(): NetworkRequest[] {
    return [...this.requestRows.values()].reverse();
  }

  request(id: string): NetworkRequest | undefined {
    return this.requestRows.get(id);
  }

  /** Frames a WebSocket of the rows had (messages, for an EventSource), since the model saw it. */
  streamCount(id: string): number {
    return this.streamed.get(id) ?? 0;
  }

  /** The targets of the page followed now and those gone, counted by type. */
  targetCounts(): TargetCounts {
    const live: Record<string, number> = {};
    for (const t of this.liveTargets.values()) live[t.type] = (live[t.type] ?? 0) + 1;
    return { live, ended: { ...this.endedTargets } };
  }

  /** Console messages, newest first. */
  messages(): ConsoleMessage[] {
    return this.consoleRows.slice().reverse();
  }

  /** The console messages kept whose seq is above seq, oldest first. */
  messagesAfter(seq: number): ConsoleMessage[] {
    let i = this.consoleRows.length;
    while (i > 0 && (this.consoleRows[i - 1] as ConsoleMessage).seq > seq) i--;
    return this.consoleRows.slice(i);
  }

  /** The seq of the oldest console message kept (0: none). */
  get firstConsoleSeq(): number {
    return this.consoleRows[0]?.seq ?? 0;
  }

  /** How many requests the model has let go to stay within maxRows, ever: a view that holds rows compares it with what it saw. */
  get requestsEvicted(): number {
    return this.evictedRequests;
  }

  get requestCount(): number {
    return this.requestRows.size;
  }

  get messageCount(): number {
    return this.consoleRows.length;
  }

  /** The seq of the newest console message kept (0: none). */
  get lastConsoleSeq(): number {
    return this.consoleRows[this.consoleRows.length - 1]?.seq ?? 0;
  }

  private evictedRequests = 0;

  private putRequest(r: NetworkRequest): void {
    if (!this.requestRows.has(r.requestId)) {
      this.totals.network++;
      // Map.set on a new key appends: the map stays in arrival order.
      this.requestRows.set(r.requestId, r);
      while (this.requestRows.size > this.maxRows) {
        const oldest = this.requestRows.keys().next().value as string;
        this.requestRows.delete(oldest);
        this.erroredIds.delete(oldest);
        this.streamed.delete(oldest);
        this.totals.evicted++;
        this.evictedRequests++;
      }
    } else {
      this.requestRows.set(r.requestId, r);
    }
    if (isErrorRequest(r) && !this.erroredIds.has(r.requestId)) {
      this.erroredIds.add(r.requestId);
      this.totals.networkErrors++;
    }
  }

  /** A frame or message of a request: counted on its row, if the row is kept. */
  private countStreamed(id: string | undefined): void {
    this.totals.frames++;
    if (typeof id !== 'string' || !this.requestRows.has(id)) {
      this.changeEmitter.fire({ network: false, console: false });
      return;
    }
    this.streamed.set(id, (this.streamed.get(id) ?? 0) + 1);
    this.changeEmitter.fire({ network: true, console: false });
  }

  private targetAttached(t: TargetRef | undefined): void {
    if (!t || typeof t.id !== 'string') return;
    if (this.liveTargets.has(t.id) || this.liveTargets.size < MAX_LIVE_TARGETS) this.liveTargets.set(t.id, t);
    this.changeEmitter.fire({ network: false, console: false });
  }

  private targetDetached(t: TargetRef | undefined): void {
    if (!t || typeof t.id !== 'string') return;
    this.liveTargets.delete(t.id);
    const type = typeof t.type === 'string' ? t.type : 'unknown';
    this.endedTargets[type] = (this.endedTargets[type] ?? 0) + 1;
    this.changeEmitter.fire({ network: false, console: false });
  }

  private addConsole(m: ConsoleMessage): void {
    this.totals.console++;
    if (m.level === 'error') this.totals.consoleErrors++;
    if (m.level === 'warning') this.totals.consoleWarnings++;
    this.consoleRows.push(m);
    // Trim in steps, not one shift per message.
    const slack = Math.max(1, Math.floor(this.maxRows / 10));
    if (this.consoleRows.length > this.maxRows + slack) {
      const excess = this.consoleRows.length - this.maxRows;
      this.consoleRows.splice(0, excess);
      this.totals.evicted += excess;
    }
  }
}

function emptyTotals(): Totals {
  return {
    network: 0,
    networkErrors: 0,
    console: 0,
    consoleErrors: 0,
    consoleWarnings: 0,
    lost: 0,
    evicted: 0,
    frames: 0,
  };
}
