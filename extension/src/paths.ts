// Where a session's files are (docs/PROTOCOL.md, "Files on disk"), for the
// two that the protocol does not report: the worker's log, and the capture
// so far while the worker runs. session.json is what session/stop,
// session/ended and session/status report as outputPath; the socket is
// session/status's socketPath.

import { homedir } from 'node:os';
import { join } from 'node:path';

/** $BDG_HOME, default ~/.bdg. */
export function bdgHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.BDG_HOME && env.BDG_HOME !== '' ? env.BDG_HOME : join(homedir(), '.bdg');
}

export function sessionDir(session: string, env?: NodeJS.ProcessEnv): string {
  return join(bdgHome(env), 'sessions', session);
}

/** The worker's log: its stderr and Chrome's output. */
export function workerLog(session: string, env?: NodeJS.ProcessEnv): string {
  return join(sessionDir(session, env), 'worker.log');
}

/** The capture so far, while the worker runs (session/status reports it only once the worker is gone). */
export function sessionPartialJson(session: string, env?: NodeJS.ProcessEnv): string {
  return join(sessionDir(session, env), 'session.partial.json');
}
