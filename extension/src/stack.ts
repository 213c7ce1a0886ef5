// The places a stack trace names, as records write them ("    at f
// (http://h/a.js:3:9)", one frame a line). No vscode and no node here: the
// webviews bundle it.

/** The URL, line and column a stack frame names ("at f (http://h/a.js:3:9)"), if any. */
export function stackLocation(frame: string): { url: string; line: number; column: number } | undefined {
  const m = /\(?((?:https?|file|wss?):\/\/[^\s()]+?):(\d+)(?::(\d+))?\)?$/.exec(frame.trim());
  if (!m) return undefined;
  return { url: m[1] as string, line: Number(m[2]), column: Number(m[3] ?? 1) };
}
