// Which bdg-rpc binary to run: the bdg.path setting, else bdg-rpc on PATH,
// else bin/bdg-rpc of a workspace folder (or of the repository the
// extension runs from).

import { accessSync, constants, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, isAbsolute, join } from 'node:path';

export interface BinaryLookup {
  /** The bdg.path setting ("" when unset). */
  setting: string;
  /** Workspace folders, first first. */
  folders: string[];
  /** Further directories whose bin/bdg-rpc may do (the extension's own). */
  extraRoots?: string[];
  /** PATH to search (default process.env.PATH). */
  path?: string;
}

export const BINARY_NAME = process.platform === 'win32' ? 'bdg-rpc.exe' : 'bdg-rpc';

function isExecutable(p: string): boolean {
  try {
    if (!statSync(p).isFile()) return false;
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Returns the binary to run, or undefined when none is found. */
export function findBinary(l: BinaryLookup): string | undefined {
  const setting = l.setting.trim();
  if (setting !== '') {
    let p = setting.startsWith('~/') ? join(homedir(), setting.slice(2)) : setting;
    if (!isAbsolute(p) && p.includes('/')) {
      // Relative to the first workspace folder that has it.
      const hit = l.folders.map((f) => join(f, p)).find(isExecutable);
      p = hit ?? p;
    }
    return p; // as given: a bare name is looked up on PATH by spawn
  }
  for (const dir of (l.path ?? process.env.PATH ?? '').split(delimiter)) {
    if (dir !== '' && isExecutable(join(dir, BINARY_NAME))) return join(dir, BINARY_NAME);
  }
  for (const root of [...l.folders, ...(l.extraRoots ?? [])]) {
    const p = join(root, 'bin', BINARY_NAME);
    if (isExecutable(p)) return p;
  }
  return undefined;
}
