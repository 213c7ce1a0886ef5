// Which bdg-rpc binary to run: the bdg.path setting, else the binary the
// extension carries (a platform-specific .vsix holds bin/bdg-rpc; so does
// the repository when the extension runs from it), else bdg-rpc on PATH,
// else bin/bdg-rpc of a workspace folder.

import { accessSync, constants, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, isAbsolute, join } from 'node:path';

export interface BinaryLookup {
  /** The bdg.path setting ("" when unset). */
  setting: string;
  /** The extension's directory: its bin/bdg-rpc is the binary it carries. */
  extensionRoot?: string;
  /** Workspace folders, first first. */
  folders: string[];
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
  if (l.extensionRoot !== undefined) {
    const bundled = join(l.extensionRoot, 'bin', BINARY_NAME);
    if (isExecutable(bundled)) return bundled;
  }
  for (const dir of (l.path ?? process.env.PATH ?? '').split(delimiter)) {
    if (dir !== '' && isExecutable(join(dir, BINARY_NAME))) return join(dir, BINARY_NAME);
  }
  for (const root of l.folders) {
    const p = join(root, 'bin', BINARY_NAME);
    if (isExecutable(p)) return p;
  }
  return undefined;
}

/** What to tell a user when no binary is found, with what to do. */
export function noBinaryMessage(platform: string = `${process.platform}-${process.arch}`): string {
  return (
    `BDG: no bdg-rpc binary found. This copy of the extension carries none for ${platform} ` +
    '(the platform-specific .vsix files for linux-x64, linux-arm64, darwin-x64 and darwin-arm64 do). ' +
    'Install one (go install github.com/bdg-rpc/bdg-rpc/cmd/bdg-rpc@latest) and put it on PATH, or set bdg.path to it.'
  );
}
