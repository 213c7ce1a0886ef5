// Spawning the backend process. The client sees it through BackendProcess,
// so tests can put a proxy between the two.

import { spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the process could not be started at all (ENOENT...). */
  error?: Error;
}

export interface BackendProcess {
  readonly pid: number | undefined;
  readonly stdin: Writable;
  readonly stdout: Readable;
  readonly stderr: Readable;
  /** Resolves once the process has exited (or failed to start). */
  readonly exited: Promise<Exit>;
  kill(signal?: NodeJS.Signals): void;
}

export type Launcher = () => BackendProcess;

export interface SpawnOptions {
  command: string;
  args?: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** Returns a launcher that runs `command serve` (or command with args). */
export function spawnLauncher(opts: SpawnOptions): Launcher {
  return () => {
    const child = spawn(opts.command, opts.args ?? ['serve'], {
      env: opts.env ?? process.env,
      cwd: opts.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
      windowsHide: true,
    });
    const exited = new Promise<Exit>((resolve) => {
      child.once('error', (error) => {
        // 'exit' does not follow when the process never started.
        if (child.pid === undefined) resolve({ code: null, signal: null, error });
      });
      // Let the client read what the process wrote before it exited: wait
      // for its stdout to end, or 200 ms if something else holds it open.
      child.once('exit', (code, signal) => {
        const done = (): void => resolve({ code, signal });
        if (child.stdout.readableEnded) return done();
        const t = setTimeout(done, 200);
        child.stdout.once('close', () => {
          clearTimeout(t);
          done();
        });
      });
    });
    // A broken pipe after the backend died shows up on close; don't crash.
    child.stdin.on('error', () => undefined);
    return {
      pid: child.pid,
      stdin: child.stdin,
      stdout: child.stdout,
      stderr: child.stderr,
      exited,
      kill: (signal) => {
        if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      },
    };
  };
}
