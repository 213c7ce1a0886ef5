// Showing an error to a person: its message, its data.hint, and a way to
// the logs.

import * as vscode from 'vscode';
import { errorHint } from './client';

export const SHOW_LOGS = 'Show Logs';

/** The text of an error: message, then the hint when there is one. */
export function describeError(err: unknown): string {
  const hint = errorHint(err);
  if (hint) return `${(err as Error).message}. ${capitalize(hint)}`;
  return err instanceof Error ? err.message : String(err);
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/**
 * Shows err with a "Show Logs" action (and any others given); resolves with
 * the action chosen, after running showLogs when that was it.
 */
export async function showError(
  what: string,
  err: unknown,
  showLogs: () => Promise<void> | void,
  ...actions: string[]
): Promise<string | undefined> {
  const choice = await vscode.window.showErrorMessage(`BDG: ${what}: ${describeError(err)}`, ...actions, SHOW_LOGS);
  if (choice === SHOW_LOGS) await showLogs();
  return choice;
}
