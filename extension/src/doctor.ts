// bdg-rpc doctor, run when a session fails to start: what bdg-rpc needs
// (Chrome, BDG_HOME, sockets) and what to do where something is missing.

import { execFile } from 'node:child_process';

export interface DoctorCheck {
  name: string;
  status: 'ok' | 'warn' | 'error';
  detail: string;
  hint?: string;
}

export interface DoctorReport {
  ok: boolean;
  version: { version: string; protocol: string; commit?: string; go: string; platform: string };
  checks: DoctorCheck[];
}

/**
 * Runs `binary doctor --json`; resolves with its report, or undefined when
 * the binary cannot run or says nothing readable (the start's own error is
 * then all there is to show). It exits non-zero when a check fails: the
 * report is on stdout all the same.
 */
export function runDoctor(binary: string, env?: NodeJS.ProcessEnv): Promise<DoctorReport | undefined> {
  return new Promise((resolve) => {
    execFile(binary, ['doctor', '--json'], { timeout: 20_000, env: env ?? process.env }, (_err, stdout) => {
      try {
        const report = JSON.parse(String(stdout)) as DoctorReport;
        resolve(Array.isArray(report.checks) ? report : undefined);
      } catch {
        resolve(undefined);
      }
    });
  });
}

/** The first failing check, as one sentence with what to do; undefined when none fails. */
export function doctorProblem(r: DoctorReport): string | undefined {
  const c = r.checks.find((x) => x.status === 'error');
  if (!c) return undefined;
  return c.hint ? `${c.detail}. ${c.hint}` : c.detail;
}

/** The report as the output channel shows it, a line a check. */
export function formatDoctor(r: DoctorReport): string {
  const lines = ['bdg-rpc doctor:'];
  for (const c of r.checks) {
    lines.push(`  ${c.status.padEnd(5)} ${c.name.padEnd(8)} ${c.detail}`);
    if (c.hint) lines.push(`  ${''.padEnd(5)} ${''.padEnd(8)} hint: ${c.hint}`);
  }
  return lines.join('\n');
}
