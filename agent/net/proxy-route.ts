/**
 * Which way an outgoing request goes: straight to the server, through an HTTP proxy that is
 * handed the absolute URL (plain http), or through a CONNECT tunnel (https). A value, decided
 * from the URL, the `network.proxy` setting and the environment, before any socket is opened.
 */
export type ProxyRoute =
  | { readonly kind: 'direct' }
  | { readonly kind: 'forward'; readonly proxy: URL }
  | { readonly kind: 'tunnel'; readonly proxy: URL };

/** `network.proxy` value that turns every proxy off, the environment's too. */
export const NO_PROXY_SETTING = 'none';

/** A proxy setting or variable that is not an http:// URL; names where it came from. */
export class ProxySettingError extends Error {
  constructor(readonly source: string, readonly value: string, reason: string) {
    super(`${source}: ${reason} (got ${JSON.stringify(value)})`);
    this.name = 'ProxySettingError';
  }
}

/**
 * Picks the route of a request to `target`. `setting` is `network.proxy`: null = from the
 * environment (https_proxy / HTTPS_PROXY for https, http_proxy / HTTP_PROXY for http, lower case
 * first, as curl reads them), "none" = never a proxy, else the proxy URL for every request.
 * NO_PROXY / no_proxy (comma-separated host suffixes, optional :port, `*` = all) applies either way.
 * @throws ProxySettingError when the proxy is not an http:// URL.
 */
export function pickProxyRoute(target: URL, setting: string | null, env: NodeJS.ProcessEnv = process.env): ProxyRoute {
  if (setting === NO_PROXY_SETTING) return { kind: 'direct' };
  const https = target.protocol === 'https:';
  const [source, raw] = setting !== null
    ? ['network.proxy', setting]
    : https
      ? pickVariable(env, 'https_proxy', 'HTTPS_PROXY')
      : pickVariable(env, 'http_proxy', 'HTTP_PROXY');
  if (raw === undefined || raw.trim() === '') return { kind: 'direct' };
  if (isExempt(target, env.no_proxy ?? env.NO_PROXY ?? '')) return { kind: 'direct' };
  const proxy = parseProxyUrl(source, raw.trim());
  return https ? { kind: 'tunnel', proxy } : { kind: 'forward', proxy };
}

function pickVariable(env: NodeJS.ProcessEnv, lower: string, upper: string): [string, string | undefined] {
  if (env[lower] !== undefined) return [lower, env[lower]];
  return [upper, env[upper]];
}

function parseProxyUrl(source: string, raw: string): URL {
  // `host:port` without a scheme is common in these variables; curl reads it as http.
  const text = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ProxySettingError(source, raw, 'expected a proxy URL such as http://proxy.example:3128');
  }
  if (url.protocol !== 'http:') throw new ProxySettingError(source, raw, 'only http:// proxies are supported');
  return url;
}

/** NO_PROXY: `*`, or entries `host`, `.host` or `host:port`; an entry matches the host and its subdomains. */
function isExempt(target: URL, noProxy: string): boolean {
  const host = target.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = target.port || (target.protocol === 'https:' ? '443' : '80');
  for (const raw of noProxy.split(/[\s,]+/)) {
    const entry = raw.trim().toLowerCase();
    if (entry === '') continue;
    if (entry === '*') return true;
    const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(entry);
    if (!m) continue;
    const name = m[1]!.replace(/^\[|\]$/g, '').replace(/^\*?\./, '');
    if (m[2] !== undefined && m[2] !== port) continue;
    if (host === name || host.endsWith(`.${name}`)) return true;
  }
  return false;
}
