// Bundles the extension with esbuild: extension/src/extension.ts to
// out/extension.js, the panels' webview scripts to out/webview/. With --tests, also each extension/test/*.test.ts to
// out/test/, the scripts the tests run to out/test-helpers/ and the
// end-to-end driver to out/e2e/. Type checking is tsc's job
// (npm run typecheck); esbuild only strips the types.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  logLevel: 'warning',
  absWorkingDir: root,
};

await build({
  ...common,
  entryPoints: [join(here, 'src/extension.ts')],
  outfile: join(root, 'out/extension.js'),
  external: ['vscode'],
  minify: process.argv.includes('--minify'),
});

// The panels' webview scripts, for a browser, and their styles.
await build({
  ...common,
  platform: 'browser',
  target: 'es2022',
  format: 'iife',
  sourcemap: false,
  entryPoints: [join(here, 'webview/network.ts'), join(here, 'webview/console.ts')],
  outdir: join(root, 'out/webview'),
  minify: process.argv.includes('--minify'),
});
mkdirSync(join(root, 'out/webview'), { recursive: true });
for (const css of ['network.css', 'console.css']) copyFileSync(join(here, 'webview', css), join(root, 'out/webview', css));

if (process.argv.includes('--tests')) {
  const testDir = join(here, 'test');
  const pick = (suffix) => readdirSync(testDir).filter((f) => f.endsWith(suffix)).map((f) => join(testDir, f));
  // The tests run under plain node: nothing may pull in vscode.
  // Vite (the dev server of vite.test.ts) stays in node_modules.
  await build({ ...common, entryPoints: pick('.test.ts'), outdir: join(root, 'out/test'), external: ['vite'] });
  // Scripts the tests run as processes (the fake backend), kept apart so
  // that node --test does not take them for tests.
  await build({ ...common, entryPoints: pick('.script.ts'), outdir: join(root, 'out/test-helpers') });
  // The end-to-end driver; playwright-core stays in node_modules.
  await build({
    ...common,
    entryPoints: [join(here, 'e2e/driver.ts')],
    outdir: join(root, 'out/e2e'),
    external: ['playwright-core'],
  });
}
