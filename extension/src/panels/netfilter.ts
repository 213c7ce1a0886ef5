// The filter language of network/list and `bdg-rpc network list --filter`
// (session/capture/filter.go), for the Network panel, which filters the
// rows it holds as one types. The two agree on testdata/filter-cases.json
// (Go's TestFilterCases, the extension's netfilter.test.ts). No vscode and
// no node here: the webview bundles it.

/** What a filter reads of a request. */
export interface FilterRecord {
  url: string;
  method: string;
  status?: number;
  mimeType?: string;
  resourceType?: string;
  target?: { id?: string; type: string };
  state: string;
  fromCache?: boolean;
  redirects?: unknown[];
  encodedDataLength?: number;
  bodySize?: number;
}

export type Filter = (r: FilterRecord) => boolean;

/** The filter language's help, as `bdg-rpc help filter` gives it. */
export const FILTER_HELP = `terms separated by spaces, all of which must match; "-" before a term negates it:
  status-code:404  status-code:>=400  status-code:<300  status-code:400-499
  method:POST            domain:example.com  domain:*.example.com (subdomains)
  mime:json              type:xhr (Document, Script, Fetch, XHR, Image, WebSocket...)
  target:worker (page, iframe, worker, shared_worker, service_worker or sw, popup)
  is:failed  is:error (failed or status >= 400)  is:pending  is:finished  is:cached  is:redirect
  larger-than:100k       (bytes; k = 1024, m = 1024*1024)
  url:/api/  or a bare word: the URL contains it`;

const TARGET_TYPES = ['page', 'iframe', 'worker', 'shared_worker', 'service_worker', 'popup'];

/** A filter expression that does not parse: the message says why. */
export class FilterError extends Error {}

/**
 * Compiles a filter expression; the empty expression matches every
 * request. Throws FilterError.
 */
export function parseFilter(expr: string): Filter {
  const terms: Filter[] = [];
  for (let word of expr.split(/\s+/).filter(Boolean)) {
    let negate = false;
    if (word.startsWith('-') && word.length > 1) {
      negate = true;
      word = word.slice(1);
    }
    let f: Filter;
    try {
      f = parseTerm(word);
    } catch (e) {
      throw new FilterError(`filter term "${word}": ${(e as Error).message}`);
    }
    terms.push(negate ? (r) => !f(r) : f);
  }
  return (r) => terms.every((t) => t(r));
}

function parseTerm(word: string): Filter {
  const i = word.indexOf(':');
  const key = i < 0 ? '' : word.slice(0, i);
  const value = i < 0 ? '' : word.slice(i + 1);
  if (i < 0 || key.includes('/') || key === 'http' || key === 'https') return urlContains(word);
  if (value === '') throw new Error(`no value after "${key}:"`);
  switch (key.toLowerCase()) {
    case 'status-code':
    case 'status':
      return parseStatus(value);
    case 'method':
      return (r) => r.method.toLowerCase() === value.toLowerCase();
    case 'domain':
    case 'host': {
      const re = globToRegExp(value.toLowerCase());
      return (r) => {
        let host: string;
        try {
          host = new URL(r.url).hostname.toLowerCase();
        } catch {
          return false;
        }
        // URL keeps an IPv6 host's brackets; Go's Hostname() does not.
        return re.test(host.replace(/^\[(.*)\]$/, '$1'));
      };
    }
    case 'mime':
      return (r) => (r.mimeType ?? '').toLowerCase().includes(value.toLowerCase());
    case 'type':
      return (r) => (r.resourceType ?? '').toLowerCase() === value.toLowerCase();
    case 'target':
      return parseTarget(value);
    case 'is':
      return parseIs(value);
    case 'larger-than': {
      const n = parseSize(value);
      return (r) => Math.max(r.encodedDataLength ?? 0, r.bodySize ?? 0) > n;
    }
    case 'url':
      return urlContains(value);
  }
  throw new Error(`unknown key "${key}"; the filter language is:\n${FILTER_HELP}`);
}

function urlContains(s: string): Filter {
  return (r) => r.url.includes(s);
}

/** path.Match's pattern (*, ?, [...]) as a regular expression of the whole name. */
function globToRegExp(pattern: string): RegExp {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) throw new Error('bad pattern: syntax error in pattern');
      let body = pattern.slice(i + 1, end);
      if (body.startsWith('^')) body = '^' + body.slice(1).replace(/[\\\]]/g, '\\$&');
      else body = body.replace(/[\\\]^]/g, '\\$&');
      out += `[${body}]`;
      i = end;
    } else if (c === '\\' && i + 1 < pattern.length) {
      out += (pattern[++i] as string).replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
    } else out += c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}

function parseStatus(v: string): Filter {
  const dash = v.indexOf('-');
  if (dash >= 0) {
    const a = Number(v.slice(0, dash));
    const b = Number(v.slice(dash + 1));
    if (!isInt(v.slice(0, dash)) || !isInt(v.slice(dash + 1)) || a > b) {
      throw new Error(`bad status range "${v}" (want e.g. 400-499)`);
    }
    return (r) => (r.status ?? 0) >= a && (r.status ?? 0) <= b;
  }
  const m = /^(.*?)(\d*)$/.exec(v) as RegExpExecArray;
  const op = m[1] as string;
  const digits = m[2] as string;
  if (!isInt(digits)) throw new Error(`bad status "${v}" (want e.g. 404, >=400 or 400-499)`);
  const n = Number(digits);
  const cmp: Record<string, (s: number) => boolean> = {
    '': (s) => s === n,
    '=': (s) => s === n,
    '==': (s) => s === n,
    '>=': (s) => s >= n,
    '<=': (s) => s <= n,
    '>': (s) => s > n,
    '<': (s) => s < n,
    '!=': (s) => s !== n,
  };
  const f = cmp[op];
  if (!f) throw new Error(`bad comparison "${op}" (want =, !=, <, <=, > or >=)`);
  return (r) => (r.status ?? 0) !== 0 && f(r.status as number);
}

function isInt(s: string): boolean {
  return /^[+-]?\d+$/.test(s);
}

function parseTarget(v: string): Filter {
  let want = v.toLowerCase().replace(/-/g, '_');
  if (want === 'sw' || want === 'serviceworker') want = 'service_worker';
  if (want === 'shared' || want === 'sharedworker') want = 'shared_worker';
  if (!TARGET_TYPES.includes(want)) throw new Error(`unknown target:${v} (want ${TARGET_TYPES.join(', ')})`);
  return (r) => (r.target ? r.target.id === want || r.target.type === want : want === 'page');
}

function parseIs(v: string): Filter {
  switch (v.toLowerCase()) {
    case 'failed':
      return (r) => r.state === 'failed';
    case 'error':
      return (r) => r.state === 'failed' || (r.status ?? 0) >= 400;
    case 'pending':
      return (r) => r.state === 'pending' || r.state === 'responded';
    case 'finished':
      return (r) => r.state === 'finished';
    case 'cached':
      return (r) => r.fromCache === true;
    case 'redirect':
      return (r) => (r.redirects?.length ?? 0) > 0;
  }
  throw new Error(`unknown is:${v} (want failed, error, pending, finished, cached or redirect)`);
}

function parseSize(v: string): number {
  let s = v.toLowerCase().replace(/b$/, '');
  let mult = 1;
  if (s.endsWith('k')) {
    mult = 1024;
    s = s.slice(0, -1);
  } else if (s.endsWith('m')) {
    mult = 1024 * 1024;
    s = s.slice(0, -1);
  }
  const f = Number(s);
  if (s === '' || !Number.isFinite(f) || f < 0 || !/^[0-9.eE+-]+$/.test(s)) throw new Error(`bad size "${v}" (want e.g. 100k or 2m)`);
  return Math.trunc(f * mult);
}
