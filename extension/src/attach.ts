// BDG: Attach to Chrome Tab…, the parts that need no VS Code: the
// remembered endpoints, the items of its two quick picks, its argument and
// the session/start params it ends with. controller.ts shows them.

import type { ErrorData, StartParams, Tab, TabsParams, TabsResult } from './protocol';

/** The globalState key of the remembered endpoints, most recent first. */
export const ENDPOINTS_KEY = 'bdg.attachEndpoints';

/** How many endpoints are remembered. */
export const MAX_ENDPOINTS = 10;

export const ENDPOINT_PLACEHOLDER = '9222, localhost:9222, http://…, ws://…, or a Chrome profile directory';

/** Where the browser is: auto-connect, or an endpoint (as session/start's attach takes it). */
export type Source = { autoConnect: true } | { endpoint: string };

/** The list with endpoint first, without repeats or blanks, at most max long. */
export function rememberEndpoint(list: readonly unknown[] | undefined, endpoint: string, max = MAX_ENDPOINTS): string[] {
  const e = endpoint.trim();
  const rest = cleanEndpoints(list).filter((x) => x !== e);
  return (e ? [e, ...rest] : rest).slice(0, Math.max(0, max));
}

/** The list without endpoint. */
export function forgetEndpoint(list: readonly unknown[] | undefined, endpoint: string): string[] {
  const e = endpoint.trim();
  return cleanEndpoints(list).filter((x) => x !== e);
}

/** The strings of what globalState held (anything else is dropped), trimmed, each once. */
export function cleanEndpoints(list: readonly unknown[] | undefined): string[] {
  const out: string[] = [];
  for (const x of Array.isArray(list) ? list : []) {
    if (typeof x !== 'string') continue;
    const e = x.trim();
    if (e && !out.includes(e)) out.push(e);
  }
  return out;
}

/** An InputBox's validateInput for an endpoint. */
export function validateEndpoint(v: string): string | undefined {
  return v.trim() === '' ? `Enter an endpoint: ${ENDPOINT_PLACEHOLDER}` : undefined;
}

// ---- The first quick pick: where the browser is ----

export interface SourceItem {
  label: string;
  description?: string;
  detail?: string;
  /** auto: auto-connect; endpoint: a remembered one; enter: ask for one. */
  action: 'auto' | 'endpoint' | 'enter';
  endpoint?: string;
}

export const AUTO_CONNECT_LABEL = 'Auto-connect (find a running Chrome)';
export const ENTER_ENDPOINT_LABEL = 'Enter an endpoint…';

export function sourceItems(remembered: readonly unknown[] | undefined): SourceItem[] {
  return [
    {
      label: AUTO_CONNECT_LABEL,
      detail: "Chrome's DevToolsActivePort in the usual profile directories",
      action: 'auto',
    },
    ...cleanEndpoints(remembered).map<SourceItem>((endpoint) => ({
      label: endpoint,
      description: 'used before',
      action: 'endpoint',
      endpoint,
    })),
    { label: ENTER_ENDPOINT_LABEL, description: ENDPOINT_PLACEHOLDER, action: 'enter' },
  ];
}

/** browser/tabs's params for source. */
export function tabsParams(source: Source): TabsParams {
  return 'endpoint' in source ? { endpoint: source.endpoint } : { autoConnect: true };
}

/** How to name source to a person. */
export function sourceLabel(source: Source): string {
  return 'endpoint' in source ? source.endpoint : 'auto-connect';
}

// ---- The second quick pick: the tab ----

export interface TabItem {
  label: string;
  description?: string;
  detail?: string;
  /** tab: an existing tab; new: open a new one. */
  action: 'tab' | 'new';
  tab?: Tab;
}

export const NEW_TAB_LABEL = 'Open a new tab…';

/** What a tab is called: its title, else its URL, else its id. */
export function tabTitle(tab: Pick<Tab, 'title' | 'url'> & { id?: string }): string {
  return tab.title.trim() || tab.url || tab.id || '(untitled)';
}

/**
 * The tabs of result, in the browser's order, then "Open a new tab…". A tab
 * a session watches is listed too, saying so: picking it gets the backend's
 * already_running error, which names that session.
 */
export function tabItems(result: Pick<TabsResult, 'tabs'>): TabItem[] {
  const items = (result.tabs ?? []).map<TabItem>((tab) => {
    const item: TabItem = { label: tabTitle(tab), action: 'tab', tab };
    if (tab.title.trim() && tab.url) item.description = tab.url;
    if (tab.session) item.detail = `watched by session ${tab.session}`;
    else if (tab.attached) item.detail = 'a DevTools client is attached';
    return item;
  });
  items.push({ label: NEW_TAB_LABEL, description: 'open a page in a new tab of this browser', action: 'new' });
  return items;
}

/** The quick pick's title over the tabs: how the browser was found. */
export function tabsTitle(result: Pick<TabsResult, 'endpoint' | 'via' | 'version' | 'tabs'>): string {
  const n = result.tabs?.length ?? 0;
  const what = [result.version, `${n} tab${n === 1 ? '' : 's'}`].filter(Boolean).join(', ');
  return `BDG: Chrome at ${result.endpoint} (${what})`;
}

// ---- The command's argument, and session/start ----

/** bdg.attachTab's argument: with endpoint or autoConnect, and tab, nothing is asked. */
export interface AttachTabArgs {
  endpoint?: string;
  autoConnect?: boolean;
  tab?: string;
}

/** The argument the command was run with, if it is one (else undefined: ask). */
export function parseAttachArgs(arg: unknown): AttachTabArgs | undefined {
  if (typeof arg !== 'object' || arg === null || Array.isArray(arg)) return undefined;
  const o = arg as Record<string, unknown>;
  const out: AttachTabArgs = {};
  if (typeof o.endpoint === 'string' && o.endpoint.trim()) out.endpoint = o.endpoint.trim();
  else if (typeof o.endpoint === 'number') out.endpoint = String(o.endpoint);
  if (o.autoConnect === true) out.autoConnect = true;
  if (typeof o.tab === 'string' && o.tab.trim()) out.tab = o.tab.trim();
  else if (typeof o.tab === 'number') out.tab = String(o.tab);
  return out;
}

/** The source the argument gives, if any (an endpoint wins over autoConnect). */
export function argsSource(args: AttachTabArgs | undefined): Source | undefined {
  if (args?.endpoint) return { endpoint: args.endpoint };
  if (args?.autoConnect) return { autoConnect: true };
  return undefined;
}

/** What to attach to: an existing tab (by id, index, match...), or a new tab at url. */
export type TabChoice = { tab: string } | { newTab: true; url?: string };

/** session/start's params for attaching session to the tab of source. */
export function attachStartParams(session: string, source: Source, choice: TabChoice): StartParams {
  const params: StartParams = { session };
  if ('endpoint' in source) params.attach = source.endpoint;
  else params.autoConnect = true;
  if ('tab' in choice) {
    params.tab = choice.tab;
  } else {
    params.newTab = true;
    const url = choice.url?.trim();
    if (url) params.url = url;
  }
  return params;
}

/**
 * Who watches the tab an already_running error of session/start is about:
 * the session its data names (the message names it too, for older
 * backends), null for one it does not name, undefined when the error is
 * not about a tab (the session itself runs).
 */
export function tabWatcher(message: string, data?: Pick<ErrorData, 'session'>): string | null | undefined {
  const m = /already watched by (?:session "([^"]+)"|another session)/.exec(message);
  if (!m) return undefined;
  return data?.session || m[1] || null;
}

/** The message for a tab whose capture starts at attach. */
export function captureStartsNowMessage(title: string): string {
  return `BDG: Watching ${title}: capture starts now; earlier requests are not in this session.`;
}
