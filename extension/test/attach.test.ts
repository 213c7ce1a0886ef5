// BDG: Attach to Chrome Tab…'s logic without VS Code: the remembered
// endpoints, the quick pick items, the command's argument and the
// session/start params (src/attach.ts).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  argsSource,
  attachStartParams,
  AUTO_CONNECT_LABEL,
  captureStartsNowMessage,
  cleanEndpoints,
  ENTER_ENDPOINT_LABEL,
  forgetEndpoint,
  MAX_ENDPOINTS,
  NEW_TAB_LABEL,
  parseAttachArgs,
  rememberEndpoint,
  sourceItems,
  tabItems,
  tabsParams,
  tabsTitle,
  tabTitle,
  tabWatcher,
  validateEndpoint,
} from '../src/attach';
import type { TabsResult } from '../src/protocol';

test('remembered endpoints: most recent first, each once, trimmed, at most MAX_ENDPOINTS', () => {
  assert.deepEqual(rememberEndpoint(undefined, '9222'), ['9222']);
  assert.deepEqual(rememberEndpoint(['9222', 'localhost:9333'], 'localhost:9333'), ['localhost:9333', '9222']);
  assert.deepEqual(rememberEndpoint(['a', 'b'], '  c '), ['c', 'a', 'b']);
  assert.deepEqual(rememberEndpoint(['a', 'b'], '   '), ['a', 'b'], 'a blank endpoint is not remembered');
  const many = Array.from({ length: 20 }, (_, i) => String(9000 + i));
  const capped = rememberEndpoint(many, 'new');
  assert.equal(MAX_ENDPOINTS, 10);
  assert.equal(capped.length, MAX_ENDPOINTS);
  assert.deepEqual(capped.slice(0, 3), ['new', '9000', '9001']);
  assert.deepEqual(rememberEndpoint(['a', 'b', 'c'], 'd', 2), ['d', 'a']);
  // What globalState held may be anything: only distinct non-blank strings count.
  assert.deepEqual(rememberEndpoint(['a', 42, null, 'a', ' b ', ''] as unknown[], 'c'), ['c', 'a', 'b']);
  assert.deepEqual(cleanEndpoints('not a list' as unknown as unknown[]), []);
});

test('forgetting an endpoint keeps the order of the rest', () => {
  assert.deepEqual(forgetEndpoint(['a', 'b', 'c'], 'b'), ['a', 'c']);
  assert.deepEqual(forgetEndpoint(['a', 'b'], 'x'), ['a', 'b']);
  assert.deepEqual(forgetEndpoint(undefined, 'x'), []);
});

test('the sources: auto-connect, the remembered endpoints, then "Enter an endpoint…"', () => {
  const items = sourceItems(['localhost:9333', '9222']);
  assert.deepEqual(
    items.map((i) => [i.label, i.action, i.endpoint]),
    [
      [AUTO_CONNECT_LABEL, 'auto', undefined],
      ['localhost:9333', 'endpoint', 'localhost:9333'],
      ['9222', 'endpoint', '9222'],
      [ENTER_ENDPOINT_LABEL, 'enter', undefined],
    ],
  );
  assert.equal(AUTO_CONNECT_LABEL, 'Auto-connect (find a running Chrome)');
  assert.equal(ENTER_ENDPOINT_LABEL, 'Enter an endpoint…');
  assert.deepEqual(
    sourceItems(undefined).map((i) => i.action),
    ['auto', 'enter'],
  );
  assert.equal(validateEndpoint(''), 'Enter an endpoint: 9222, localhost:9222, http://…, ws://…, or a Chrome profile directory');
  assert.equal(validateEndpoint('  '), validateEndpoint(''));
  assert.equal(validateEndpoint('9222'), undefined);
  assert.deepEqual(tabsParams({ endpoint: '9222' }), { endpoint: '9222' });
  assert.deepEqual(tabsParams({ autoConnect: true }), { autoConnect: true });
});

const tabs: TabsResult = {
  endpoint: '9222',
  via: '/json/version',
  version: 'Chrome/156.0.8078.108',
  tabs: [
    { index: 0, id: 'D3569AAA', title: 'My app', url: 'http://localhost:3000/', attached: true, session: 'default' },
    { index: 1, id: 'BD1C1BBB', title: 'Inbox', url: 'https://mail.example.com/', attached: false },
    { index: 2, id: 'C0FFEECC', title: '', url: 'http://localhost:8080/untitled', attached: true },
    { index: 3, id: 'E1E1E1DD', title: '  ', url: '', attached: false },
  ],
};

test('the tabs: title, URL, who watches it; then "Open a new tab…"', () => {
  const items = tabItems(tabs);
  assert.deepEqual(
    items.map((i) => ({ label: i.label, description: i.description, detail: i.detail, action: i.action, id: i.tab?.id })),
    [
      { label: 'My app', description: 'http://localhost:3000/', detail: 'watched by session default', action: 'tab', id: 'D3569AAA' },
      { label: 'Inbox', description: 'https://mail.example.com/', detail: undefined, action: 'tab', id: 'BD1C1BBB' },
      // No title: the URL is the label, not repeated as the description.
      { label: 'http://localhost:8080/untitled', description: undefined, detail: 'a DevTools client is attached', action: 'tab', id: 'C0FFEECC' },
      // Neither: the id.
      { label: 'E1E1E1DD', description: undefined, detail: undefined, action: 'tab', id: 'E1E1E1DD' },
      { label: NEW_TAB_LABEL, description: 'open a page in a new tab of this browser', detail: undefined, action: 'new', id: undefined },
    ],
  );
  assert.equal(NEW_TAB_LABEL, 'Open a new tab…');
  assert.deepEqual(tabItems({ tabs: [] }).map((i) => i.action), ['new']);
  assert.equal(tabsTitle(tabs), 'BDG: Chrome at 9222 (Chrome/156.0.8078.108, 4 tabs)');
  assert.equal(tabsTitle({ endpoint: 'x', via: 'v', tabs: [tabs.tabs[1]] }), 'BDG: Chrome at x (1 tab)');
  assert.equal(tabTitle({ title: '', url: 'about:blank' }), 'about:blank');
});

test("the command's argument: endpoint or autoConnect, and tab", () => {
  assert.equal(parseAttachArgs(undefined), undefined);
  assert.equal(parseAttachArgs('9222'), undefined);
  assert.equal(parseAttachArgs([1]), undefined);
  assert.deepEqual(parseAttachArgs({ endpoint: ' 9222 ', tab: 'D3569AAA' }), { endpoint: '9222', tab: 'D3569AAA' });
  assert.deepEqual(parseAttachArgs({ endpoint: 9222, tab: 0 }), { endpoint: '9222', tab: '0' });
  assert.deepEqual(parseAttachArgs({ autoConnect: true }), { autoConnect: true });
  assert.deepEqual(parseAttachArgs({ autoConnect: 'yes', endpoint: '', tab: '' }), {});
  assert.deepEqual(argsSource({ endpoint: '9222', autoConnect: true }), { endpoint: '9222' });
  assert.deepEqual(argsSource({ autoConnect: true }), { autoConnect: true });
  assert.equal(argsSource({ tab: 'x' }), undefined);
  assert.equal(argsSource(undefined), undefined);
});

test('session/start params: attach or autoConnect, and the tab or a new tab', () => {
  assert.deepEqual(attachStartParams('default', { endpoint: '9222' }, { tab: 'D3569AAA' }), {
    session: 'default',
    attach: '9222',
    tab: 'D3569AAA',
  });
  assert.deepEqual(attachStartParams('s', { autoConnect: true }, { tab: '1' }), { session: 's', autoConnect: true, tab: '1' });
  assert.deepEqual(attachStartParams('s', { endpoint: 'ws://h/devtools/browser/x' }, { newTab: true, url: ' http://localhost:3000/ ' }), {
    session: 's',
    attach: 'ws://h/devtools/browser/x',
    newTab: true,
    url: 'http://localhost:3000/',
  });
  // No url: about:blank, and no empty url sent (url with tab is refused).
  assert.deepEqual(attachStartParams('s', { endpoint: '9222' }, { newTab: true, url: '' }), { session: 's', attach: '9222', newTab: true });
});

test('already_running: the session that watches the tab, from data.session, else the message', () => {
  assert.equal(tabWatcher('tab D3569AAA is already watched by session "other"'), 'other');
  assert.equal(tabWatcher('tab D3569AAA is already watched by session "x"', { session: 'other' }), 'other', 'data wins');
  assert.equal(tabWatcher('tab D3569AAA is already watched by another session', { session: '' }), null);
  assert.equal(tabWatcher('session "default" already running (pid 42)', { session: 'default' }), undefined);
  assert.equal(tabWatcher('tab D3569AAA is already watched by another session'), null);
  assert.equal(tabWatcher('session "default" already running (pid 42)'), undefined);
  assert.equal(
    captureStartsNowMessage('My app'),
    'BDG: Watching My app: capture starts now; earlier requests are not in this session.',
  );
});
