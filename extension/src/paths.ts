// Where a session's files are (docs/PROTOCOL.md, "Files on disk").

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

/** The session's result, once it ended. */
export function sessionJson(session: string, env?: NodeJS.ProcessEnv): string {
  return join(sessionDir(session, env), 'session.json');
}

/** The capture so far, while it runs. */
export function sessionPartialJson(session: string, env?: NodeJS.ProcessEnv): string {
  return join(sessionDir(session, env), 'session.partial.json');
}
