// The Console panel's messages between the extension and its webview
// (webview/console.ts), and what the webview shows of a console message.
// No vscode here.

import type { ConsoleMessage, EvaluateResult, ObjectPropertiesResult } from '../protocol';
import { stackLocation } from '../stack';

/** A message of the Console panel: what it shows of a console message. */
export interface ConsoleRow
  extends Pick<ConsoleMessage, 'seq' | 'level' | 'source' | 'type' | 'text' | 'timestamp' | 'url' | 'line' | 'column' | 'stack' | 'objects'> {
  targetTag?: string;
  /** The target that logged it (its objects live there); absent: the page. */
  targetId?: string;
}

export function toConsoleRow(m: ConsoleMessage): ConsoleRow {
  const row: ConsoleRow = { seq: m.seq, level: m.level, source: m.source, type: m.type, text: m.text, timestamp: m.timestamp };
  if (m.url) row.url = m.url;
  if (m.line) row.line = m.line;
  if (m.column) row.column = m.column;
  if (m.stack) row.stack = m.stack;
  if (m.target && m.target.type !== 'page') {
    row.targetTag = m.target.type;
    row.targetId = m.target.id;
  }
  if (m.objects?.length) row.objects = m.objects;
  return row;
}

/** A place of a script: a message's, or a stack frame's. */
export interface Place {
  url: string;
  line: number;
  column?: number;
}

/** The key of a place: URL:LINE:COLUMN. */
export function placeKey(p: Place): string {
  return `${p.url}:${p.line}:${p.column ?? 1}`;
}

/** The frames of a stack: each line's text, the function it names, its place (stackLocation). */
export function parseStack(stack: string): { text: string; name: string; place?: Place }[] {
  return stack.split('\n').map((text) => {
    const place = stackLocation(text);
    if (!place) return { text, name: '' };
    return { text, name: /^\s*at (.*) \(/.exec(text)?.[1] ?? '', place };
  });
}

/** Messages the extension posts to the Console webview. */
export type ToConsole =
  | { type: 'reset'; rows: ConsoleRow[]; session?: string; running: boolean }
  | { type: 'append'; rows: ConsoleRow[] }
  | { type: 'state'; running: boolean }
  | { type: 'evaluated'; id: number; result?: EvaluateResult; error?: string }
  | { type: 'properties'; key: string; result?: ObjectPropertiesResult; error?: string }
  /** The original places of places asked (by placeKey), as workspace paths where they are files; null: none. */
  | { type: 'resolved'; places: [string, string | null][] };

/** Messages the Console webview posts to the extension. */
export type FromConsole =
  | { type: 'ready' }
  | { type: 'evaluate'; id: number; expression: string }
  | { type: 'resolve'; places: Place[] }
  | { type: 'open'; place: Place }
  | { type: 'properties'; key: string; objectId: string; target?: string };
