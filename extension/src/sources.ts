// Which workspace file a place of the page stands for: a script's URL
// (http://host/app.js -> WORKSPACE/app.js), or a source of a source map
// (webpack:///src/a.ts, a dev server's URL, Vite's /@fs/ABS), as
// vscode-js-debug's webRoot maps them. No vscode here: unit-tested alone.

import { statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/** The first file at path under one of the folders, never above them. */
function under(folders: string[], path: string): string | undefined {
  for (const f of folders) {
    const p = join(f, path);
    if (p.startsWith(f) && isFile(p)) return p;
  }
  return undefined;
}

/** The local file a URL stands for, if any. */
export function localFileFor(url: string, folders: string[]): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  if (u.protocol === 'file:') return fileURLToPath(u);
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return undefined;
  let path = decodeURIComponent(u.pathname);
  if (path.endsWith('/')) path += 'index.html';
  return under(folders, path);
}

/**
 * The workspace file a source of a source map stands for, as js-debug's
 * webRoot maps it: webpack://NAME/./src/a.ts and webpack:///src/a.ts are
 * FOLDER/src/a.ts, http(s)://HOST/src/a.ts is FOLDER/src/a.ts, Vite's
 * http(s)://HOST/@fs/ABS is /ABS, file:///ABS is /ABS. A query is left out.
 */
export function sourceFileFor(source: string, folders: string[]): string | undefined {
  let u: URL;
  try {
    u = new URL(source);
  } catch {
    return undefined;
  }
  const path = decodeURIComponent(u.pathname);
  switch (u.protocol) {
    case 'file:':
      return isFile(fileURLToPath(u)) ? fileURLToPath(u) : undefined;
    case 'webpack:':
    case 'webpack-internal:':
      return under(folders, path.replace(/^\/+/, '').replace(/^\.\//, ''));
    case 'http:':
    case 'https:':
      if (path.startsWith('/@fs/')) {
        const abs = path.slice('/@fs'.length);
        if (isFile(abs)) return abs;
      }
      return under(folders, path);
  }
  return undefined;
}
