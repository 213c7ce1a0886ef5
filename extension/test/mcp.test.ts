import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { bdgBinary, serveFixtures, TempHome } from './support';

interface Content {
  type: string;
  text?: string;
  data?: string;
  mimeType?: string;
}

interface ToolResult {
  content: Content[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
}

// bdg-rpc mcp (issue 18) through a client nobody here wrote: the official
// TypeScript SDK's Client over its StdioClientTransport, which spawns the
// real binary as an agent's host does, on real Chromium.
test('the official TypeScript MCP SDK lists the tools and drives a session through them', async (t) => {
  const fixtures = await serveFixtures();
  const home = new TempHome();
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(home.env())) if (v !== undefined) env[k] = v;
  const transport = new StdioClientTransport({ command: bdgBinary(), args: ['mcp'], env, stderr: 'pipe' });
  let stderr = '';
  transport.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
  const client = new Client({ name: 'bdg-rpc-ts-test', version: '1.0.0' });
  t.after(async () => {
    await client.close().catch(() => undefined);
    home.cleanup();
    await fixtures.close();
    if (stderr) t.diagnostic(`the server's stderr: ${stderr}`);
  });
  await client.connect(transport);
  assert.equal(client.getServerVersion()?.name, 'bdg-rpc');

  const { tools } = await client.listTools();
  const names = tools.map((x) => x.name);
  for (const want of ['start_session', 'list_network_requests', 'evaluate', 'screenshot', 'stop_session', 'get_network_request']) {
    assert.ok(names.includes(want), `no ${want} in ${names.join(', ')}`);
  }
  for (const tool of tools) assert.equal(tool.inputSchema.type, 'object', tool.name);

  const call = async (name: string, args: Record<string, unknown> = {}): Promise<ToolResult> =>
    (await client.callTool({ name, arguments: args })) as unknown as ToolResult;
  const text = (r: ToolResult): string => r.content.filter((c) => c.type === 'text').map((c) => c.text ?? '').join('\n');

  const started = await call('start_session', { url: fixtures.url('/everything.html') });
  assert.ok(!started.isError, text(started));
  assert.match(text(started), /^Session "default" started: http:\/\/127\.0\.0\.1:\d+\/everything\.html/);

  // The page's fetch of data.json, once it has ended.
  let listed: ToolResult | undefined;
  const until = Date.now() + 60_000;
  for (;;) {
    listed = await call('list_network_requests', { filter: 'url:data.json' });
    if (/ GET 200 .*\/data\.json/.test(text(listed))) break;
    if (Date.now() > until) assert.fail(`data.json never listed: ${text(listed)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.match(text(listed), /1 of 1 matching requests \(the session holds \d+; its bounds dropped 0\)\. No more\.$/);
  // A list is its lines (an agent reads the id off its line); its JSON records come with items: true.
  assert.equal(listed.structuredContent, undefined);
  const id = /^(\S+) GET 200 /.exec(text(listed))?.[1];
  const withItems = await call('list_network_requests', { filter: 'url:data.json', items: true });
  const items = (withItems.structuredContent?.items ?? []) as { requestId: string; url: string }[];
  assert.equal(items.length, 1);
  assert.equal(items[0]?.requestId, id);
  const got = await call('get_network_request', { requestId: id });
  assert.match(text(got), /Response body \(\d+ bytes\):\n\{"n":\s*42\}/);

  const evaluated = await call('evaluate', { expression: 'document.title' });
  assert.equal(text(evaluated), '"Everything"');
  const thrown = await call('evaluate', { expression: 'nope.nope' });
  assert.equal(thrown.isError, true);
  assert.match(text(thrown), /^Exception: Uncaught ReferenceError: nope is not defined/);

  const shot = await call('screenshot');
  assert.equal(shot.structuredContent, undefined, 'a screenshot without structured content, which some hosts would give the model in place of the image');
  const image = shot.content.find((c) => c.type === 'image');
  assert.equal(image?.mimeType, 'image/png');
  assert.deepEqual([...Buffer.from(image?.data ?? '', 'base64').subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

  const stopped = await call('stop_session');
  assert.match(text(stopped), /^Session "default" stopped after [\d.]+ s: \d+ requests, \d+ console messages/);
  const again = await call('stop_session');
  assert.equal(again.isError, true);
  assert.match(text(again), /\nHint: /);
});
