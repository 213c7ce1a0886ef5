// Shared by the tests that run the real bdg-rpc: a fixture HTTP server, a
// temporary BDG_HOME, a re-chunking proxy, and cleanup of every process.

import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, type Readable, type Writable } from 'node:stream';
import type { Event } from 'vscode-jsonrpc/node';
import type { BackendProcess, Launcher } from '../src/process';

export const repoRoot = join(__dirname, '..', '..');

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

/** The binary under test: $BDG_RPC_BIN, else bin/bdg-rpc (make build). */
export function bdgBinary(): string {
  const bin = process.env.BDG_RPC_BIN ?? join(repoRoot, 'bin', 'bdg-rpc');
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run make build first`);
  return bin;
}

const fixtureDirs = [join(repoRoot, 'testdata', 'fixtures'), join(repoRoot, 'extension', 'test', 'fixtures')];

/**
 * Serves testdata/fixtures/*.html and extension/test/fixtures/*.html on
 * 127.0.0.1, /data.json as {"n":42} and /missing as a 404.
 */
export async function serveFixtures(): Promise<{ url: (path: string) => string; close: () => Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === '/data.json') {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ n: 42 }));
      return;
    }
    const name = path.slice(1);
    if (/^[\w.-]+\.html$/.test(name)) {
      for (const dir of fixtureDirs) {
        const file = join(dir, name);
        if (existsSync(file)) {
          res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
          res.end(readFileSync(file));
          return;
        }
      }
    }
    // The source-mapped app: maps-app.js and maps-app.js.map.
    if (/^[\w-]+\.js(\.map)?$/.test(name)) {
      for (const dir of fixtureDirs) {
        const file = join(dir, name);
        if (existsSync(file)) {
          res.writeHead(200, { 'Content-Type': name.endsWith('.map') ? 'application/json' : 'text/javascript' });
          res.end(readFileSync(file));
          return;
        }
      }
    }
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    res.end('not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (p) => `http://127.0.0.1:${port}${p}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A temporary BDG_HOME, and what it takes to leave nothing behind. */
export class TempHome {
  readonly dir = mkdtempSync(join(tmpdir(), 'bdg-ext-'));

  env(): NodeJS.ProcessEnv {
    return { ...process.env, BDG_HOME: this.dir };
  }

  /** Kills every worker and Chrome its sessions recorded, then removes it. */
  cleanup(): void {
    const sessions = join(this.dir, 'sessions');
    if (existsSync(sessions)) {
      for (const name of readdirSync(sessions)) {
        const meta = join(sessions, name, 'session.meta.json');
        if (!existsSync(meta)) continue;
        try {
          const m = JSON.parse(readFileSync(meta, 'utf8')) as { pid?: number; chrome?: { pid?: number } };
          for (const pid of [m.pid, m.chrome?.pid]) if (pid) killIfAlive(pid);
        } catch {
          // a half-written file: nothing to kill from it
        }
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function killIfAlive(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** A small seeded PRNG (mulberry32), so a failing split can be replayed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface ChunkStats {
  chunks: number;
  /** Chunks that begin inside a multi-byte UTF-8 character. */
  insideChar: number;
  /** Chunks that hold the end of one message and more after it. */
  several: number;
}

/**
 * Re-chunks a byte stream at random boundaries: it buffers what comes and
 * writes it on in pieces of 1..16 bytes (mostly) or 64..4096 bytes (so that
 * one piece holds several messages), flushing the rest when input pauses.
 */
export function rechunk(from: Readable, to: Writable, rand: () => number, stats: ChunkStats): void {
  let buf = Buffer.alloc(0);
  let flushTimer: NodeJS.Immediate | undefined;
  const emit = (n: number): void => {
    const piece = buf.subarray(0, n);
    buf = buf.subarray(n);
    stats.chunks++;
    if ((piece[0] & 0xc0) === 0x80) stats.insideChar++;
    const nl = piece.indexOf(0x0a);
    if (nl >= 0 && nl < piece.length - 1) stats.several++;
    to.write(Buffer.from(piece));
  };
  const size = (): number => (rand() < 0.7 ? 1 + Math.floor(rand() * 16) : 64 + Math.floor(rand() * 4032));
  from.on('data', (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk]);
    for (let n = size(); buf.length >= n; n = size()) emit(n);
    if (!flushTimer) {
      flushTimer = setImmediate(() => {
        flushTimer = undefined;
        while (buf.length > 0) emit(Math.min(buf.length, size()));
      });
    }
  });
  from.on('end', () => {
    if (flushTimer) clearImmediate(flushTimer);
    if (buf.length > 0) to.write(buf);
    to.end();
  });
}

/** Wraps a launcher with a re-chunking proxy in both directions. */
export function proxied(
  launch: Launcher,
  seed: number,
): { launch: Launcher; toBackend: ChunkStats; toClient: ChunkStats } {
  const rand = prng(seed);
  const toBackend: ChunkStats = { chunks: 0, insideChar: 0, several: 0 };
  const toClient: ChunkStats = { chunks: 0, insideChar: 0, several: 0 };
  return {
    toBackend,
    toClient,
    launch: (): BackendProcess => {
      const proc = launch();
      const stdin = new PassThrough();
      const stdout = new PassThrough();
      rechunk(stdin, proc.stdin, rand, toBackend);
      rechunk(proc.stdout, stdout, rand, toClient);
      return { pid: proc.pid, stdin, stdout, stderr: proc.stderr, exited: proc.exited, kill: (s) => proc.kill(s) };
    },
  };
}

export interface SplitStats {
  /** Lines that held a multi-byte character. */
  lines: number;
  /** Chunks written that begin inside a character: one per byte after a character's first. */
  insideChar: number;
  /** Continuation bytes in those lines: insideChar must come to this. */
  continuationBytes: number;
}

/**
 * Wraps a launcher with a proxy that writes each line of the backend's
 * output holding a multi-byte character as separate chunks, split before
 * every byte of every such character but its first (é in two chunks, 🎉 in
 * four): a line split at every byte of a multi-byte character.
 */
export function splitInsideChars(launch: Launcher): { launch: Launcher; stats: SplitStats } {
  const stats: SplitStats = { lines: 0, insideChar: 0, continuationBytes: 0 };
  return {
    stats,
    launch: (): BackendProcess => {
      const proc = launch();
      const stdout = new PassThrough();
      let buf = Buffer.alloc(0);
      const writeLine = (line: Buffer): void => {
        let start = 0;
        let split = false;
        for (let i = 1; i < line.length; i++) {
          if ((line[i] & 0xc0) !== 0x80) continue;
          stats.continuationBytes++;
          split = true;
          stdout.write(Buffer.from(line.subarray(start, i)));
          start = i;
          stats.insideChar++;
        }
        stdout.write(Buffer.from(line.subarray(start)));
        if (split) stats.lines++;
      };
      proc.stdout.on('data', (chunk: Buffer) => {
        buf = Buffer.concat([buf, chunk]);
        for (let nl = buf.indexOf(0x0a); nl >= 0; nl = buf.indexOf(0x0a)) {
          writeLine(buf.subarray(0, nl + 1));
          buf = buf.subarray(nl + 1);
        }
      });
      proc.stdout.on('end', () => {
        if (buf.length > 0) stdout.write(buf);
        stdout.end();
      });
      return { pid: proc.pid, stdin: proc.stdin, stdout, stderr: proc.stderr, exited: proc.exited, kill: (s) => proc.kill(s) };
    },
  };
}
