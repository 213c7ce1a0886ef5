import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { FILTER_HELP, FilterError, parseFilter, type FilterRecord } from '../src/panels/netfilter';
import { bdgBinary, repoRoot } from './support';

interface Cases {
  requests: Record<string, FilterRecord>;
  cases: { filter: string; matches?: string[]; error?: boolean }[];
}

// testdata/filter-cases.json: the Go filter (TestFilterCases) passes the same.
const file = JSON.parse(readFileSync(join(repoRoot, 'testdata', 'filter-cases.json'), 'utf8')) as Cases;

test('the panel filters as network/list does: every case of testdata/filter-cases.json', () => {
  const names = Object.keys(file.requests).sort();
  assert.ok(file.cases.length > 30, 'the cases');
  for (const c of file.cases) {
    if (c.error) {
      assert.throws(() => parseFilter(c.filter), FilterError, c.filter);
      continue;
    }
    const f = parseFilter(c.filter);
    const got = names.filter((n) => f(file.requests[n] as FilterRecord));
    assert.deepEqual(got, [...(c.matches ?? [])].sort(), c.filter);
  }
});

test('an error names the term and says what is wrong', () => {
  assert.throws(() => parseFilter('method:GET is:weird'), /filter term "is:weird": unknown is:weird \(want failed, error/);
  assert.throws(() => parseFilter('colour:red'), /unknown key "colour"; the filter language is:\n/);
});

test("the help is the command line's (bdg-rpc help filter)", () => {
  const help = execFileSync(bdgBinary(), ['help', 'filter'], { encoding: 'utf8' });
  assert.ok(help.includes(FILTER_HELP), `bdg-rpc help filter does not hold the panel's help:\n${help}`);
});
