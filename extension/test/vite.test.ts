import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { createServer as netServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import type { ConsoleMessage, OriginalLocation } from '../src/protocol';
import { bdgBinary, repoRoot, TempHome } from './support';

const run = promisify(execFile);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = netServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

type Mapped = ConsoleMessage & { original?: OriginalLocation; originalStack?: string };

// The fixture app of issue 17 (testdata/fixtures/maps/src/*.ts) served by a
// real Vite dev server, which compiles each module on request with an
// inline source map: app.ts under the root (testdata/fixtures/vite/src is
// a link to it), deep.ts outside it, as /@fs/ABS. The worker reads the
// maps from the modules; the command line prints the workspace files.
test('a Vite dev server (inline maps): each record maps to its line of src/*.ts, and the CLI prints it', async (t) => {
  const { createServer } = await import('vite');
  const root = join(repoRoot, 'testdata', 'fixtures', 'vite');
  const port = await freePort();
  const vite = await createServer({
    root,
    configFile: false,
    logLevel: 'silent',
    clearScreen: false,
    optimizeDeps: { noDiscovery: true, entries: [] },
    server: { host: '127.0.0.1', port, strictPort: true, hmr: false },
  });
  await vite.listen();
  const home = new TempHome();
  const bdg = (...args: string[]) => run(bdgBinary(), [...args, '--session', 'vite'], { env: home.env(), cwd: repoRoot, timeout: 60_000 });
  t.after(async () => {
    await bdg('stop').catch(() => undefined);
    home.cleanup();
    await vite.close();
  });
  const url = `http://127.0.0.1:${port}/`;
  await bdg('start', url);

  let items: Mapped[] = [];
  const until = Date.now() + 60_000;
  while (!items.some((m) => m.text.startsWith('Uncaught Error: deep failure at 3'))) {
    if (Date.now() > until) assert.fail(`the app's exception never came: ${JSON.stringify(items.map((m) => m.text))}`);
    await new Promise((r) => setTimeout(r, 200));
    const { stdout } = await bdg('console', '--json', '--web-root', root);
    items = (JSON.parse(stdout) as { data: { items: Mapped[] } }).data.items;
  }
  const byText = (prefix: string): Mapped => {
    const m = items.find((x) => x.text.startsWith(prefix));
    assert.ok(m, `no message ${prefix}: ${JSON.stringify(items.map((x) => x.text))}`);
    return m;
  };
  const deep = `${url}@fs${realpathSync(join(repoRoot, 'testdata', 'fixtures', 'maps', 'src', 'deep.ts'))}`;
  assert.deepEqual(byText('hello maps #1').original, { source: `${url}src/app.ts`, line: 21, column: 11 });
  assert.equal(byText('Error: mapped failure: first').original?.line, 17);
  assert.equal(byText('fetched 42').original?.line, 25);
  const thrown = byText('Uncaught Error: deep failure at 3');
  assert.equal(thrown.original?.source, deep);
  assert.equal(thrown.original?.line, 11);
  assert.match(thrown.originalStack ?? '', /deep\.ts:11:\d+\)\n.*deep\.ts:7:\d+\)\n.*deep\.ts:3:\d+\)\n.*app\.ts:26:\d+\)/);

  // As text: the workspace files, relative to the working directory.
  const { stdout } = await bdg('console', '--web-root', root);
  assert.match(stdout, /hello maps #1 {2}testdata\/fixtures\/vite\/src\/app\.ts:21:11$/m);
  assert.match(stdout, /Uncaught Error: deep failure at 3 {2}testdata\/fixtures\/maps\/src\/deep\.ts:11:\d+$/m);
});
