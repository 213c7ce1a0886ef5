import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { localFileFor, sourceFileFor } from '../src/sources';

const ws = mkdtempSync(join(tmpdir(), 'bdg-sources-'));
const elsewhere = mkdtempSync(join(tmpdir(), 'bdg-elsewhere-'));
after(() => {
  rmSync(ws, { recursive: true, force: true });
  rmSync(elsewhere, { recursive: true, force: true });
});
mkdirSync(join(ws, 'src'), { recursive: true });
writeFileSync(join(ws, 'src', 'app.ts'), '');
writeFileSync(join(ws, 'src', 'with space.ts'), '');
writeFileSync(join(ws, 'app.js'), '');
writeFileSync(join(elsewhere, 'util.ts'), '');

test('a source of a source map is a workspace file, as js-debug maps it', () => {
  const app = join(ws, 'src', 'app.ts');
  const cases: [string, string | undefined][] = [
    ['webpack:///src/app.ts', app],
    ['webpack://my-app/./src/app.ts', app],
    ['webpack-internal:///./src/app.ts', app],
    ['http://localhost:5173/src/app.ts?t=1733', app],
    ['https://dev.example.test/src/app.ts', app],
    ['http://localhost:5173/src/with%20space.ts', join(ws, 'src', 'with space.ts')],
    [`http://localhost:5173/@fs${join(elsewhere, 'util.ts')}`, join(elsewhere, 'util.ts')],
    [pathToFileURL(join(elsewhere, 'util.ts')).href, join(elsewhere, 'util.ts')],
    ['http://localhost:5173/../../etc/passwd', undefined],
    ['webpack:///webpack/bootstrap', undefined],
    ['http://cdn.example.test/other.ts', undefined],
    ['chrome-extension://abc/x.js', undefined],
    ['not a url', undefined],
  ];
  for (const [source, want] of cases) assert.equal(sourceFileFor(source, [ws]), want, source);
});

test("a script's URL is the workspace file at its path", () => {
  assert.equal(localFileFor('http://127.0.0.1:8080/app.js', [ws]), join(ws, 'app.js'));
  assert.equal(localFileFor('http://127.0.0.1:8080/missing.js', [ws]), undefined);
});
