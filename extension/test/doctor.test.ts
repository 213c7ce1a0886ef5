// bdg-rpc doctor as the extension runs it after a failed start: the real
// binary's report, its first problem with what to do, and its lines.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { doctorProblem, formatDoctor, runDoctor } from '../src/doctor';
import { bdgBinary, TempHome } from './support';

test('doctor: a Chrome that is not there is the problem, with how to install one', async () => {
  const home = new TempHome();
  try {
    const report = await runDoctor(bdgBinary(), { ...home.env(), BDG_CHROME: '/nonexistent/chrome' });
    assert.ok(report, 'a report');
    assert.equal(report.ok, false);
    assert.deepEqual(
      report.checks.map((c) => `${c.name} ${c.status}`).slice(0, 4),
      ['binary ok', 'chrome error', 'home ok', 'sockets ok'],
    );
    const problem = doctorProblem(report);
    assert.match(problem ?? '', /^chrome not found: .*nonexistent.*\. install Chromium/);
    assert.match(formatDoctor(report), /^bdg-rpc doctor:\n {2}ok {4}binary {3}bdg-rpc /);
    assert.match(formatDoctor(report), /\n {2}error chrome {3}chrome not found/);

    const fine = await runDoctor(bdgBinary(), home.env());
    assert.equal(fine?.ok, true, JSON.stringify(fine));
    assert.equal(fine && doctorProblem(fine), undefined);
  } finally {
    home.cleanup();
  }
});

test('doctor: a binary that cannot run gives no report', async () => {
  assert.equal(await runDoctor('/nonexistent/bdg-rpc'), undefined);
});
